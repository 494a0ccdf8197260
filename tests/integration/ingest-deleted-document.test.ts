import { randomBytes, randomUUID } from "node:crypto";

import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { DOCUMENT_INGEST_QUEUE, type IngestJobData } from "~/contract/ingest-queue";
import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { ingestDocument } from "~/worker/documents/ingest";
import { postgresOriginalStore, type OriginalStore } from "~/worker/documents/original-store";
import { createJobQueue, type JobQueue } from "~/worker/jobs/queue";
import { QUEUE_POLICIES } from "~/worker/jobs/queues";
import { insertUser, prose } from "../support/documents";
import { queryOnce } from "../support/test-database";
import { createTestLog } from "../support/worker/log-capture";
import { searchConfigsFor } from "~/worker/documents/search-config";
import { DEFAULT_SEARCH_CONFIG } from "~/worker/env";
import { testExtractPool } from "../support/worker/extract-pool";

// A document can go at any moment of its ingestion: deleted by its owner, or
// with its owner's account (the user row's cascade). Whenever it goes, the
// job must end as done: no error, no warning, no retry, nothing written.
// Driven straight against the run's database, with the document deleted at
// each point the ingestion can meet its absence; then once through a real
// pg-boss queue.

const databaseUrl = inject("databaseUrl");
let db: WorkerDb;
const extractor = testExtractPool();

beforeAll(() => {
  db = createWorkerDb(databaseUrl, { max: 3 });
});

afterAll(async () => {
  await Promise.all([db?.close(), extractor.close()]);
});

/** Text of several chunks. */
const TEXT = prose(8_000);

/** A new user with one queued text document whose original is TEXT, as an upload stores it. */
async function queuedDocument(): Promise<{ userId: string; documentId: string }> {
  const userId = await insertUser(databaseUrl);
  const documentId = randomUUID();
  const bytes = Buffer.from(TEXT, "utf8");
  await db.asWorker(async (tx) => {
    await sql`INSERT INTO "document" ("id", "userId", "name", "kind", "mimeType", "sizeBytes", "sha256", "updatedAt")
       VALUES (${documentId}, ${userId}, 'notes.txt', 'text', 'text/plain', ${bytes.length}, repeat('0', 64), clock_timestamp())`.execute(
      tx,
    );
    await postgresOriginalStore.put(
      tx,
      documentId,
      (async function* () {
        yield bytes;
      })(),
      bytes.length,
    );
  });
  return { userId, documentId };
}

/** The account deleted as the web tier's Better Auth deletes it: the user row, the rest by cascade. */
async function deleteAccount(userId: string): Promise<void> {
  await queryOnce(databaseUrl, `DELETE FROM "user" WHERE "id" = $1`, [userId]);
}

/** The original store, running `at` at one point of reading an original. */
function storeThat(at: { beforeReading?: () => Promise<void>; afterReading?: () => Promise<void> }): OriginalStore {
  return {
    ...postgresOriginalStore,
    async *open(storeDb, documentId) {
      await at.beforeReading?.();
      yield* postgresOriginalStore.open(storeDb, documentId);
      await at.afterReading?.();
    },
  };
}

async function ingest(documentId: string, store: OriginalStore = postgresOriginalStore) {
  const log = createTestLog("debug");
  const run = ingestDocument(
    { db, store, extractor, searchConfigs: searchConfigsFor(DEFAULT_SEARCH_CONFIG, ["eng"]), log: log.logger },
    documentId,
    {
      number: 1,
      last: false,
    },
  );
  return { run, log };
}

/** Lines at warn (40) or above. */
const loud = (log: ReturnType<typeof createTestLog>) => log.lines.filter((line) => line.level >= 40);

async function leftovers(documentId: string, userId: string) {
  const [row] = await queryOnce<{ documents: number; parts: number; chunks: number }>(
    databaseUrl,
    `SELECT (SELECT count(*)::int FROM "document" WHERE "id" = $1) AS documents,
            (SELECT count(*)::int FROM "document_part" WHERE "documentId" = $1) AS parts,
            (SELECT count(*)::int FROM "document_chunk" WHERE "documentId" = $1 OR "userId" = $2) AS chunks`,
    [documentId, userId],
  );
  return row;
}

describe("ingesting a document that is gone ends quietly", () => {
  it("deleted before its job ran", async () => {
    const { userId, documentId } = await queuedDocument();
    await deleteAccount(userId);
    const { run, log } = await ingest(documentId);
    await expect(run).resolves.toBeUndefined();
    expect(log.withMessage("nothing to ingest")).toHaveLength(1);
    expect(loud(log)).toEqual([]);
    expect(await leftovers(documentId, userId)).toEqual({ documents: 0, parts: 0, chunks: 0 });
  });

  it("deleted after the job started, before its original was read", async () => {
    const { userId, documentId } = await queuedDocument();
    const { run, log } = await ingest(documentId, storeThat({ beforeReading: () => deleteAccount(userId) }));
    await expect(run).resolves.toBeUndefined();
    expect(log.withMessage("deleted while being read")).toHaveLength(1);
    expect(loud(log)).toEqual([]);
    expect(await leftovers(documentId, userId)).toEqual({ documents: 0, parts: 0, chunks: 0 });
  });

  it("deleted while its text was being extracted: the reading stops, nothing is stored", async () => {
    const { userId, documentId } = await queuedDocument();
    const { run, log } = await ingest(documentId, storeThat({ afterReading: () => deleteAccount(userId) }));
    await expect(run).resolves.toBeUndefined();
    // The first progress write finds no row and ends the reading (deletion-watch.ts would, within a second).
    expect(log.withMessage("deleted while being read")).toHaveLength(1);
    expect(loud(log)).toEqual([]);
    expect(await leftovers(documentId, userId)).toEqual({ documents: 0, parts: 0, chunks: 0 });
  });

  it("through the job queue: the job completes on its first attempt, with no retry", async () => {
    // A queue of the test's own with document.ingest's policy: no worker of
    // another test file takes its jobs, nor this test another's.
    const queueName = `test.ingest-deleted.${randomBytes(6).toString("hex")}`;
    await queryOnce(databaseUrl, "SELECT pgboss.create_queue($1, $2::jsonb)", [
      queueName,
      JSON.stringify({ policy: "standard", ...QUEUE_POLICIES[DOCUMENT_INGEST_QUEUE] }),
    ]);
    const queueLog = createTestLog("debug");
    const handlerLog = createTestLog("debug");
    const queue: JobQueue = await createJobQueue({
      databaseUrl,
      logger: queueLog.logger,
      pollingIntervalSeconds: 0.5,
    });
    try {
      const { userId, documentId } = await queuedDocument();
      const jobId = await db.asWorker((tx) =>
        queue.enqueue({ query: (text, values) => tx.executeQuery(CompiledQuery.raw(text, values)) }, queueName, {
          documentId,
        } satisfies IngestJobData),
      );
      await deleteAccount(userId);
      const ran: number[] = [];
      // As main.ts runs document.ingest.
      await queue.work<IngestJobData>(queueName, async (job) => {
        ran.push(job.attempt);
        await ingestDocument(
          {
            db,
            store: postgresOriginalStore,
            extractor,
            searchConfigs: searchConfigsFor(DEFAULT_SEARCH_CONFIG, ["eng"]),
            log: handlerLog.logger,
          },
          job.data.documentId,
          {
            number: job.attempt,
            last: job.isLastAttempt,
          },
        );
      });
      let state: { state: string; retry_count: number } | undefined;
      for (const deadline = performance.now() + 15_000; performance.now() < deadline;) {
        [state] = await queryOnce<{ state: string; retry_count: number }>(
          databaseUrl,
          "SELECT state::text, retry_count FROM pgboss.job WHERE name = $1 AND id = $2",
          [queueName, jobId],
        );
        if (state?.state === "completed") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(state).toEqual({ state: "completed", retry_count: 0 });
      expect(ran).toEqual([1]);
      expect(handlerLog.withMessage("nothing to ingest")).toHaveLength(1);
      expect([...loud(queueLog), ...loud(handlerLog)]).toEqual([]);
    } finally {
      await queue.stop({ timeoutMs: 1_000 });
    }
  });
});
