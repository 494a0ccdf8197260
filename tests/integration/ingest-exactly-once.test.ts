import { randomUUID } from "node:crypto";

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { ingestDocument } from "~/worker/documents/ingest";
import { postgresOriginalStore, type OriginalStore } from "~/worker/documents/original-store";
import { createTestLog } from "../support/worker/log-capture";
import { insertUser, prose } from "../support/documents";
import { queryOnce } from "../support/test-database";
import { storeDocument } from "../support/worker/stored-document";
import { searchConfigsFor } from "~/worker/documents/search-config";
import { DEFAULT_SEARCH_CONFIG } from "~/worker/env";
import { testExtractPool } from "../support/worker/extract-pool";

// ingestDocument's exactly-once guards, each driven straight against the
// run's database in the state it exists for: a second delivery of a job
// whose document is ready, chunks left by an interrupted run, and two runs
// of one document at once (a job taken up again after its worker's expiry
// while the first still works). The scale-out test shows the whole; this
// one fails on whichever guard is missing.

const databaseUrl = inject("databaseUrl");
/** Two pools: two workers' connections. */
let first: WorkerDb;
let second: WorkerDb;
let userId: string;
const extractor = testExtractPool();

beforeAll(async () => {
  first = createWorkerDb(databaseUrl, { max: 3 });
  second = createWorkerDb(databaseUrl, { max: 3 });
  userId = await insertUser(databaseUrl);
});

afterAll(async () => {
  await first?.close();
  await second?.close();
  await extractor.close();
});

/** Text of several chunks (at most 1,500 characters each). */
const TEXT = prose(8_000);

/** A queued text document whose original is `text`, stored as an upload stores it. */
async function queuedDocument(text = TEXT): Promise<string> {
  const id = `doc-${randomUUID()}`;
  const bytes = Buffer.from(text, "utf8");
  await first.asWorker(async (tx) => {
    await storeDocument(
      tx,
      {
        id,
        userId,
        name: "notes.txt",
        kind: "text",
        mimeType: "text/plain",
        sizeBytes: bytes.length,
        sha256: "0".repeat(64),
        updatedAt: sql<Date>`clock_timestamp()`,
      },
      bytes,
    );
  });
  return id;
}

/** The original store, counting the reads of an original (each run that extracts reads it once). */
function countingStore(gate?: Promise<void>) {
  const counting = {
    opens: 0,
    store: {
      ...postgresOriginalStore,
      async *open(db, documentId) {
        counting.opens++;
        await gate;
        yield* postgresOriginalStore.open(db, documentId);
      },
    } satisfies OriginalStore,
  };
  return counting;
}

function ingest(db: WorkerDb, store: OriginalStore, documentId: string, log = createTestLog()) {
  return ingestDocument(
    { db, store, extractor, searchConfigs: searchConfigsFor(DEFAULT_SEARCH_CONFIG, ["eng"]), log: log.logger },
    documentId,
    {
      number: 1,
      last: false,
    },
  );
}

interface Chunk {
  ordinal: number;
  content: string;
  /** The transaction that wrote the row: a row rewritten (deleted and inserted again) has another. */
  xmin: string;
}

async function chunksOf(id: string): Promise<Chunk[]> {
  return queryOnce<Chunk>(
    databaseUrl,
    `SELECT "ordinal", "content", xmin::text FROM "document_chunk" WHERE "documentId" = $1 ORDER BY "ordinal"`,
    [id],
  );
}

async function rowOf(id: string) {
  const [row] = await queryOnce<{ status: string; chunkCount: number; attempts: number; changeSeq: string }>(
    databaseUrl,
    `SELECT "status", "chunkCount", "attempts", "changeSeq"::text FROM "document" WHERE "id" = $1`,
    [id],
  );
  return row!;
}

/** The chunks a single uninterrupted run stores for TEXT: ordinals 0…n−1, each once. */
let expected: Omit<Chunk, "xmin">[];

beforeAll(async () => {
  const id = await queuedDocument();
  await ingest(first, postgresOriginalStore, id);
  expected = (await chunksOf(id)).map(({ ordinal, content }) => ({ ordinal, content }));
  expect(expected.length).toBeGreaterThan(2);
  expect(expected.map((chunk) => chunk.ordinal)).toEqual(expected.map((_, index) => index));
});

describe("ingestion lands exactly once", () => {
  it("a second delivery of the job of a ready document changes nothing: no re-extraction, the same chunk rows", async () => {
    const id = await queuedDocument();
    await ingest(first, postgresOriginalStore, id);
    const readyRow = await rowOf(id);
    const readyChunks = await chunksOf(id);
    expect(readyRow).toMatchObject({ status: "ready", chunkCount: expected.length, attempts: 1 });

    const again = countingStore();
    const log = createTestLog();
    await ingest(second, again.store, id, log);

    expect(again.opens, "the original was read again: the ready document was ingested a second time").toBe(0);
    expect(log.withMessage("nothing to ingest")).toHaveLength(1);
    expect(await rowOf(id)).toEqual(readyRow);
    expect(await chunksOf(id)).toEqual(readyChunks);
  });

  it("a run after an interrupted one removes the chunks it left before storing its own", async () => {
    const id = await queuedDocument();
    // What a worker SIGKILLed mid-indexing leaves: the document indexing and
    // some chunks stored, here one unlike what the text gives now (a
    // chunking that changed between the two runs) and one past the end.
    await first.asWorker(async (tx) => {
      await sql`UPDATE "document" SET "status" = 'indexing', "progress" = 60, "attempts" = 1 WHERE "id" = ${id}`.execute(
        tx,
      );
      await sql`INSERT INTO "document_chunk" ("documentId", "ordinal", "userId", "content", "search")
         SELECT ${id}, t.ordinal, ${userId}, t.content, to_tsvector('english', t.content)
         FROM unnest(${[0, 500]}::int[], ${["left by the interrupted run", "past the end"]}::text[]) AS t(ordinal, content)`.execute(
        tx,
      );
    });

    await ingest(second, postgresOriginalStore, id);

    expect(await rowOf(id)).toMatchObject({ status: "ready", chunkCount: expected.length, attempts: 2 });
    expect((await chunksOf(id)).map(({ ordinal, content }) => ({ ordinal, content }))).toEqual(expected);
  });

  it("two runs of one document at once: each chunk stored once, both runs end without error", async () => {
    const id = await queuedDocument();
    // Both runs have started (status, attempts, the leftover chunks cleared)
    // before either reads the original: their inserts then meet on the same
    // (documentId, ordinal) keys.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runs = [countingStore(gate), countingStore(gate)];
    const settled = Promise.allSettled([ingest(first, runs[0]!.store, id), ingest(second, runs[1]!.store, id)]);
    const deadline = performance.now() + 10_000;
    while (runs.some((run) => run.opens === 0) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(
      runs.map((run) => run.opens),
      "both runs reached the original",
    ).toEqual([1, 1]);
    release();

    expect(
      (await settled).map((result) => (result.status === "rejected" ? String(result.reason) : result.status)),
    ).toEqual(["fulfilled", "fulfilled"]);
    expect(await rowOf(id)).toMatchObject({ status: "ready", chunkCount: expected.length, attempts: 2 });
    expect((await chunksOf(id)).map(({ ordinal, content }) => ({ ordinal, content }))).toEqual(expected);
  });
});
