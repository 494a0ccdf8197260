#!/bin/sh
# Run by the postgres image once, when it creates an empty data volume
# (/docker-entrypoint-initdb.d), before any migration: the worker's own login.
# The migrations grant app_worker exactly what the worker may read and find
# the role already here. On a volume created before this script existed, run
# the same statement by hand (README, Security).
set -eu
psql -v ON_ERROR_STOP=1 -v password="$WORKER_DB_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE app_worker LOGIN PASSWORD :'password';
SQL
