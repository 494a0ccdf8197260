import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";

import { WORKER_DB_ROLE } from "~/worker/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../tooling/embedded-postgres";
import { DEV_WORKER_LOGIN, ensureWorkerLogin } from "./worker-login";

let cluster: EmbeddedPostgres;

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cluster = await startEmbeddedPostgres();
  // What the migrations set up, in miniature: the role, one table it may read and one it may not.
  await query(
    cluster.url,
    `CREATE ROLE ${WORKER_DB_ROLE} NOLOGIN;
     CREATE TABLE granted (n int); GRANT SELECT ON granted TO ${WORKER_DB_ROLE};
     CREATE TABLE secret (n int)`,
  );
});

afterAll(() => cluster.stop());

it("makes a login that has app_worker's privileges and nothing else, the same however often it runs", async () => {
  const url = await ensureWorkerLogin(cluster.url);
  expect(await ensureWorkerLogin(cluster.url)).toBe(url);

  const [who] = await query<{ session_user: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean }>(
    url,
    `SELECT session_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = session_user`,
  );
  expect(who).toEqual({ session_user: DEV_WORKER_LOGIN, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  const memberOf = await query<{ rolname: string }>(
    url,
    `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = session_user)`,
  );
  expect(memberOf).toEqual([{ rolname: WORKER_DB_ROLE }]);
  expect(await query(url, "SELECT * FROM granted")).toEqual([]);
  await expect(query(url, "SELECT * FROM secret")).rejects.toThrow(/permission denied/);
});
