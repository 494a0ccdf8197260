-- The worker's privileges, as a role: every query the worker runs switches to
-- it first (SET LOCAL ROLE app_worker, src/worker/session-store.ts), so
-- whatever login its URL names, the worker reads three columns of "session" -
-- whether a session still exists, whose it is and when it ends - and nothing
-- else of Better Auth's tables: no password hash, no session token, no key.
-- Roles belong to the whole PostgreSQL server, not to this database: the
-- role is created once and shared by every database of the app on a server.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_worker') THEN
    CREATE ROLE app_worker NOLOGIN;
  END IF;
END
$$;

-- The migrating login may then SET ROLE to it (a superuser always may).
GRANT app_worker TO CURRENT_USER;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO app_worker', current_schema());
END
$$;

GRANT SELECT ("id", "userId", "expiresAt") ON TABLE "session" TO app_worker;
