import { afterAll, beforeAll, expect, it } from "vitest";

import { WORKER_DB_ROLE } from "~/worker/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../tooling/embedded-postgres";
import { DEV_WORKER_LOGIN, ensureWorkerLogin } from "./worker-login";
import { queryOnce } from "../tests/support/test-database";

let cluster: EmbeddedPostgres;

beforeAll(async () => {
  cluster = await startEmbeddedPostgres();
  // What the migrations set up, in miniature: the role, one table it may read and one it may not.
  await queryOnce(
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

  const [who] = await queryOnce<{
    session_user: string;
    rolsuper: boolean;
    rolcreatedb: boolean;
    rolcreaterole: boolean;
  }>(url, `SELECT session_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = session_user`);
  expect(who).toEqual({ session_user: DEV_WORKER_LOGIN, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  const memberOf = await queryOnce<{ rolname: string }>(
    url,
    `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = session_user)`,
  );
  expect(memberOf).toEqual([{ rolname: WORKER_DB_ROLE }]);
  expect(await queryOnce(url, "SELECT * FROM granted")).toEqual([]);
  await expect(queryOnce(url, "SELECT * FROM secret")).rejects.toThrow(/permission denied/);
});
