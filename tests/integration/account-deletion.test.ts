import { randomUUID } from "node:crypto";

import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DOCUMENT_INGEST_QUEUE, type IngestJobData } from "~/contract/ingest-queue";
import { auth } from "~/server/auth";
import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { createJobQueue, type JobQueue } from "~/worker/jobs/queue";
import {
  ingested,
  prose,
  signedInAs,
  signedInUser,
  startDocumentsStack,
  uploadOk,
  waitForStatus,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";
import { queryOnce } from "../support/test-database";
import { TEST_PASSWORD, TestBrowser } from "../support/test-browser";
import { createTestLog } from "../support/worker/log-capture";
import { storeDocument } from "../support/worker/stored-document";

// Deleting an account through Better Auth (auth.api.deleteUser, with the
// password), with documents in every state: ready and failed (their jobs
// completed) and queued (a job waiting in pg-boss). Afterwards nothing of
// the user is left in any table, their jobs included, which no foreign key
// reaches (src/server/account/delete-user-data.ts); a worker refuses their
// tokens within a second; another user's documents and jobs are untouched.

const databaseUrl = process.env.DATABASE_URL!;
const REFUSAL_BUDGET_MS = 1_000;

let stack: DocumentsStack;
let workerDb: WorkerDb;
let queue: JobQueue;

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "account-deletion" });
  workerDb = createWorkerDb(databaseUrl, { max: 2 });
  queue = await createJobQueue({ databaseUrl, logger: createTestLog("warn").logger });
});

afterAll(async () => {
  await queue?.stop({ timeoutMs: 1_000 });
  await workerDb?.close();
  await stack?.stop();
});

/**
 * A document of `user` still queued: written as an upload writes it (the
 * row, the original, its ingestion job, in one transaction), its job due in
 * an hour, as one behind a long queue would be.
 */
async function queuedDocument(user: TestUser, name: string): Promise<string> {
  const id = randomUUID();
  const bytes = Buffer.from(prose(3_000));
  await workerDb.asWorker(async (tx) => {
    await storeDocument(
      tx,
      {
        id,
        userId: user.userId,
        name,
        kind: "text",
        mimeType: "text/plain; charset=utf-8",
        sizeBytes: bytes.length,
        sha256: "0".repeat(64),
        updatedAt: sql<Date>`clock_timestamp()`,
      },
      bytes,
    );
    await queue.enqueue(
      { query: (text, values) => tx.executeQuery(CompiledQuery.raw(text, values)) },
      DOCUMENT_INGEST_QUEUE,
      { documentId: id } satisfies IngestJobData,
      { startAfter: new Date(Date.now() + 3_600_000) },
    );
  });
  return id;
}

/** A ready, a failed and a queued document of `user`: their ids. */
async function documentsInEveryState(user: TestUser): Promise<string[]> {
  const ready = await ingested(stack.worker, user.token, "ready.txt", prose(5_000));
  // %PDF and nothing readable after it: it fails at once.
  const broken = await uploadOk(
    stack.worker,
    user.token,
    "broken.pdf",
    Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 0x42)]),
  );
  expect((await waitForStatus(stack.worker, user.token, broken.id)).status).toBe("failed");
  const queued = await queuedDocument(user, "queued.txt");
  return [ready.id, broken.id, queued];
}

/** How many rows of each table are the user's (or about their documents). */
async function rowsOf(userId: string, documentIds: string[]) {
  const [row] = await queryOnce<Record<string, number>>(
    databaseUrl,
    `SELECT
       (SELECT count(*)::int FROM "user" WHERE "id" = $1) AS "user",
       (SELECT count(*)::int FROM "session" WHERE "userId" = $1) AS "session",
       (SELECT count(*)::int FROM "account" WHERE "userId" = $1) AS "account",
       (SELECT count(*)::int FROM "document" WHERE "userId" = $1 OR "id" = ANY($2::text[])) AS "document",
       (SELECT count(*)::int FROM "document_part" WHERE "documentId" = ANY($2::text[])) AS "document_part",
       (SELECT count(*)::int FROM "document_chunk" WHERE "userId" = $1 OR "documentId" = ANY($2::text[])) AS "document_chunk",
       (SELECT count(*)::int FROM pgboss.job WHERE "name" = $3 AND "data"->>'documentId' = ANY($2::text[])) AS "jobs"`,
    [userId, documentIds, DOCUMENT_INGEST_QUEUE],
  );
  return row!;
}

async function whoami(token: string) {
  const response = await fetch(`${stack.worker.url}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { data: { reason: string | null } } };
  return { status: response.status, reason: body.error?.data.reason ?? null };
}

describe("deleting an account", () => {
  let owner: TestUser;
  /** The same user signed in on a second device. */
  let otherDevice: TestUser;
  let ownerDocuments: string[];
  let bystander: TestUser;
  let bystanderDocuments: string[];

  beforeAll(async () => {
    [owner, bystander] = await Promise.all([signedInUser("delete-me"), signedInUser("delete-bystander")]);
    // A second session of the owner's, from another browser.
    const device = new TestBrowser();
    expect((await device.post("/sign-in/email", { email: owner.email, password: TEST_PASSWORD })).status).toBe(200);
    otherDevice = await signedInAs(device);
    [ownerDocuments, bystanderDocuments] = await Promise.all([
      documentsInEveryState(owner),
      documentsInEveryState(bystander),
    ]);
  });

  it("starts from rows in every table, and jobs completed and waiting", async () => {
    expect(await rowsOf(owner.userId, ownerDocuments)).toEqual({
      user: 1,
      session: 2,
      account: 1,
      document: 3,
      document_part: 3,
      document_chunk: expect.any(Number),
      jobs: 3,
    });
    expect((await rowsOf(owner.userId, ownerDocuments)).document_chunk).toBeGreaterThan(0);
    const states = await queryOnce<{ state: string }>(
      databaseUrl,
      `SELECT state::text FROM pgboss.job WHERE "name" = $1 AND "data"->>'documentId' = ANY($2::text[]) ORDER BY state::text`,
      [DOCUMENT_INGEST_QUEUE, ownerDocuments],
    );
    expect(states.map((row) => row.state)).toEqual(["completed", "completed", "created"]);
  });

  it("is refused without the password or with a wrong one, in words, and nothing goes", async () => {
    const withoutPassword = await owner.browser.post("/delete-user", {});
    expect(withoutPassword.status).toBe(400);
    expect(withoutPassword.json).toMatchObject({ message: expect.stringMatching(/password/i) });
    const refused = await owner.browser.post("/delete-user", { password: "not the password" });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ message: "Invalid password" });
    await expect(
      auth.api.deleteUser({ headers: owner.browser.headers(), body: { password: "not the password" } }),
    ).rejects.toThrow("Invalid password");
    expect(await rowsOf(owner.userId, ownerDocuments)).toMatchObject({ user: 1, session: 2, document: 3, jobs: 3 });
    expect(await whoami(owner.token)).toEqual({ status: 200, reason: null });
  });

  it("with the password leaves nothing of the user, and the worker refuses their tokens within a second", async () => {
    const watch = async (token: string) => {
      const deadline = performance.now() + 10_000;
      while (performance.now() < deadline) {
        const answer = await whoami(token);
        if (answer.status !== 200) return { answer, at: performance.now() };
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error("the worker still accepts the token 10 s after the account was deleted");
    };
    const watching = Promise.all([watch(owner.token), watch(otherDevice.token)]);
    await new Promise((resolve) => setTimeout(resolve, 30));

    const answer = await auth.api.deleteUser({
      headers: owner.browser.headers(),
      body: { password: TEST_PASSWORD },
    });
    const deletedAt = performance.now();
    expect(answer).toEqual({ success: true, message: "User deleted" });

    const refusals = await watching;
    for (const { answer: refusal, at } of refusals) {
      expect(refusal).toEqual({ status: 401, reason: "revoked" });
      const ms = Math.max(0, at - deletedAt);
      console.log(
        `account deletion: a token of the deleted user refused ${ms.toFixed(0)} ms after deleteUser returned`,
      );
      expect(ms).toBeLessThan(REFUSAL_BUDGET_MS);
    }

    expect(await rowsOf(owner.userId, ownerDocuments)).toEqual({
      user: 0,
      session: 0,
      account: 0,
      document: 0,
      document_part: 0,
      document_chunk: 0,
      jobs: 0,
    });
    // The same cookies get no session in the web tier either.
    expect(await auth.api.getSession({ headers: owner.browser.headers() })).toBeNull();
  });

  it("leaves another user's documents and jobs as they were", async () => {
    expect(await rowsOf(bystander.userId, bystanderDocuments)).toMatchObject({
      user: 1,
      session: 1,
      account: 1,
      document: 3,
      document_part: 3,
      jobs: 3,
    });
    expect(await whoami(bystander.token)).toEqual({ status: 200, reason: null });
  });

  it("the worker logged no error or warning about the deleted user or their documents", async () => {
    // Only those lines: the suite's other files share the database, so this
    // worker may also run their jobs, some failing on purpose.
    const aboutThem = (await stack.worker.logs())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; documentId?: string; userId?: string })
      .filter((line) => line.userId === owner.userId || (line.documentId && ownerDocuments.includes(line.documentId)));
    expect(aboutThem.length).toBeGreaterThan(0);
    expect(aboutThem.filter((line) => line.level >= 40)).toEqual([]);
  });
});
