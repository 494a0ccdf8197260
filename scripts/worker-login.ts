import pg from "pg";

import { WORKER_DB_ROLE } from "~/worker/db";

/** The worker's own login on the embedded dev cluster. */
export const DEV_WORKER_LOGIN = "app_worker_dev";
// The dev cluster listens on 127.0.0.1 only, like its superuser's "postgres".
const DEV_WORKER_PASSWORD = "app_worker_dev";

/**
 * Makes (or resets) a login that is nothing but a member of app_worker, the
 * role the migrations grant the worker's privileges to, and returns its URL
 * on `databaseUrl`'s database: `npm run dev` hands it to the worker as
 * WORKER_DATABASE_URL, so that the worker holds no more privileges in
 * development than in production. Roles belong to the server, so once per
 * cluster is enough; running it again changes nothing.
 */
export async function ensureWorkerLogin(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DEV_WORKER_LOGIN}') THEN CREATE ROLE ${DEV_WORKER_LOGIN}; END IF; END $$`,
    );
    await client.query(
      `ALTER ROLE ${DEV_WORKER_LOGIN} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${DEV_WORKER_PASSWORD}'`,
    );
    await client.query(`GRANT ${WORKER_DB_ROLE} TO ${DEV_WORKER_LOGIN}`);
  } finally {
    await client.end();
  }
  const url = new URL(databaseUrl);
  url.username = DEV_WORKER_LOGIN;
  url.password = DEV_WORKER_PASSWORD;
  return url.toString();
}
