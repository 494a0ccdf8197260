import { randomBytes } from "node:crypto";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ACCOUNT_EXPORT_PATH, PROFILE_FILE, type AccountExport } from "~/contract/account-export";
import { WORKER_DB_ROLE } from "~/worker/db";
import {
  download,
  getDocument,
  ingested,
  prose,
  prosePdf,
  search,
  signedInUser,
  startDocumentsStack,
  uniqueWord,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";
import { queryOnce } from "../support/test-database";
import { unzip } from "../support/unzip";
import { INDEX_VERSION } from "~/worker/documents/reindex";

// Least privilege for the documents: the worker's role (app_worker) does its
// whole job — the documents tables and the job queue — and still reads no
// password hash, session token, signing key or whole user row. First as the worker
// runs its queries (SET LOCAL ROLE app_worker in a transaction, db.ts), then
// as a real worker process whose login is nothing but a member of app_worker,
// ingesting a document end to end.

const databaseUrl = process.env.DATABASE_URL!;

/** `sql` in a transaction as app_worker (as asWorker runs it), on `url`'s login; always rolled back. */
async function asWorker(sql: string, params: unknown[] = [], { url = databaseUrl, setRole = true } = {}) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    if (setRole) await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
    return (await client.query<Record<string, unknown>>(sql, params)).rows;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}

const FORBIDDEN: [string, string][] = [
  ["password hashes (account)", `SELECT * FROM "account"`],
  ["signing keys (jwks)", `SELECT * FROM "jwks"`],
  ["session tokens", `SELECT "token" FROM "session"`],
  ["whole session rows (they hold the token)", `SELECT * FROM "session"`],
  ["whole user rows (only the export's five profile columns are granted)", `SELECT * FROM "user"`],
  ["verification tokens", `SELECT * FROM "verification"`],
  [
    "passkeys' public keys and credential ids (only name and date are granted)",
    `SELECT "publicKey", "credentialID" FROM "passkey"`,
  ],
  ["writing passkeys", `UPDATE "passkey" SET "counter" = 0`],
  ["the migrations' history", `SELECT * FROM "_prisma_migrations"`],
  ["writing sessions", `UPDATE "session" SET "expiresAt" = now()`],
  ["emptying a documents table (TRUNCATE is not granted)", `TRUNCATE "document_chunk"`],
  ["changing a documents table (DDL)", `ALTER TABLE "document" ADD COLUMN "x" int`],
  ["dropping a documents table", `DROP TABLE "document_part"`],
  ["creating tables in public", `CREATE TABLE "worker_made" ("x" int)`],
  ["changing the job queue's tables", `ALTER TABLE pgboss.job ADD COLUMN x int`],
];

let user: TestUser;

beforeAll(async () => {
  user = await signedInUser("dbrole");
});

/** What the worker must be able to do with the documents tables and the queue, as `options` runs it. */
async function documentsWork(options: { url?: string; setRole?: boolean } = {}) {
  const id = `00000000-0000-4000-8000-${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: options.url ?? databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    if (options.setRole ?? true) await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
    await client.query(
      `INSERT INTO "document" ("id", "userId", "name", "kind", "mimeType", "sizeBytes", "sha256") VALUES ($1, $2, 'role.txt', 'text', 'text/plain', 3, '')`,
      [id, user.userId],
    );
    await client.query(`INSERT INTO "document_part" ("documentId", "index", "bytes") VALUES ($1, 0, '\\x616263')`, [
      id,
    ]);
    await client.query(
      `INSERT INTO "document_chunk" ("documentId", "ordinal", "userId", "content", "search") VALUES ($1, 0, $2, 'abc', to_tsvector('simple', 'abc'))`,
      [id, user.userId],
    );
    await client.query(
      `UPDATE "document" SET "status" = 'ready', "indexVersion" = $2, "changeSeq" = nextval(pg_get_serial_sequence('document', 'changeSeq')) WHERE "id" = $1`,
      [id, INDEX_VERSION],
    );
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "document" d JOIN "document_part" p ON p."documentId" = d."id" JOIN "document_chunk" c ON c."documentId" = d."id" WHERE d."id" = $1`,
      [id],
    );
    await client.query(`SELECT "id", "userId", "expiresAt" FROM "session" WHERE "id" = $1`, [user.sessionId]);
    await client.query(`SELECT count(*) FROM pgboss.job`);
    await client.query(`DELETE FROM "document" WHERE "id" = $1`, [id]);
    return rows[0]!.n;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}

describe("as the worker runs its queries (SET LOCAL ROLE app_worker)", () => {
  it.each(FORBIDDEN)("cannot touch %s", async (_, sql) => {
    await expect(asWorker(sql)).rejects.toThrow(/permission denied|must be owner/);
  });

  it("reads, writes and deletes documents, their parts and chunks, and reads the queue", async () => {
    expect(await documentsWork()).toBe(1);
  });

  it("the role is really switched: current_user is app_worker", async () => {
    expect(await asWorker("SELECT current_user AS who")).toEqual([{ who: WORKER_DB_ROLE }]);
  });
});

/** A LOGIN role of the test's own that is nothing but a member of app_worker. */
async function createWorkerLogin(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `itest_worker_${randomBytes(5).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await queryOnce(databaseUrl, `CREATE ROLE "${name}" LOGIN PASSWORD '${password}' IN ROLE ${WORKER_DB_ROLE}`);
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = password;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await queryOnce(databaseUrl, `DROP OWNED BY "${name}"`).catch(() => undefined);
      await queryOnce(databaseUrl, `DROP ROLE IF EXISTS "${name}"`);
    },
  };
}

describe("a worker process whose login is only a member of app_worker", () => {
  let login: Awaited<ReturnType<typeof createWorkerLogin>> | undefined;
  let stack: DocumentsStack | undefined;

  beforeAll(async () => {
    login = await createWorkerLogin();
    stack = await startDocumentsStack({ name: "documents-db-role", env: { WORKER_DATABASE_URL: login.url } });
  });

  afterAll(async () => {
    await stack?.stop();
    await login?.drop();
  });

  it("reads nothing of the auth tables without even switching roles", async () => {
    const { url, name } = login!;
    expect(
      await queryOnce(
        url,
        `SELECT session_user AS who, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS super`,
      ),
    ).toEqual([{ who: name, super: false }]);
    for (const [, sql] of FORBIDDEN) {
      await expect(asWorker(sql, [], { url, setRole: false }), sql).rejects.toThrow(/permission denied|must be owner/);
    }
    expect(await documentsWork({ url, setRole: false })).toBe(1);
  });

  it("ingests documents end to end: upload → ready → search → download → export, on that login alone", async () => {
    const worker = stack!.worker;
    const owner = await signedInUser("dbrole-e2e");
    const textWord = uniqueWord("zqtext");
    const pdfWord = uniqueWord("zqpdf");
    const text = prose(10_000, [textWord]);
    const [fromText, fromPdf] = await Promise.all([
      ingested(worker, owner.token, "role.txt", text),
      ingested(worker, owner.token, "role.pdf", prosePdf(3, [pdfWord])),
    ]);
    expect((await search(worker, owner.token, textWord)).map((hit) => hit.documentId)).toEqual([fromText.id]);
    expect((await search(worker, owner.token, pdfWord)).map((hit) => hit.documentId)).toEqual([fromPdf.id]);
    expect((await download(worker, owner.token, fromText.id)).body).toBe(text);
    expect(await getDocument(worker, owner.token, fromPdf.id)).toMatchObject({ status: "ready", pages: 3 });
    // The account export reads the user's profile columns, granted to app_worker alone.
    const exported = await fetch(`${worker.url}${ACCOUNT_EXPORT_PATH}`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(exported.status).toBe(200);
    const entries = await unzip(Buffer.from(await exported.arrayBuffer()));
    const profile = JSON.parse(
      entries.find((entry) => entry.name === PROFILE_FILE)!.bytes.toString("utf8"),
    ) as AccountExport;
    expect(profile.user).toMatchObject({ id: owner.userId, email: owner.email, emailVerified: false });
    expect(entries.find((entry) => entry.name === "documents/role.txt")?.bytes.toString("utf8")).toBe(text);

    // Every connection the worker holds, the queue's included, is that login's.
    const connections = await queryOnce<{ usename: string; application_name: string }>(
      databaseUrl,
      `SELECT usename, application_name FROM pg_stat_activity WHERE datname = current_database() AND usename = $1`,
      [login!.name],
    );
    expect(connections.length).toBeGreaterThan(0);
    expect(connections.map((row) => row.application_name)).toContain("worker-jobs");
    const logs = await worker.logs();
    expect(logs).not.toMatch(/permission denied/);
    expect(logs).not.toMatch(/"level":(50|60)/);
  });
});
