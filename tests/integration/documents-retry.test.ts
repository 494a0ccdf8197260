import { randomUUID } from "node:crypto";

import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { NOT_RETRYABLE_MESSAGE } from "~/worker/documents/failure";
import { ingestDocument } from "~/worker/documents/ingest";
import { postgresOriginalStore, type OriginalStore } from "~/worker/documents/original-store";
import { getDocument, requeueFailedDocument } from "~/worker/documents/repository";
import { insertUser, prose } from "../support/documents";
import { createTestLog } from "../support/worker/log-capture";
import { storeDocument } from "../support/worker/stored-document";
import { testExtractPool } from "../support/worker/extract-pool";
import { searchConfigsFor } from "~/worker/documents/search-config";

// Retry is for failures a retry may fix. A document whose file cannot be
// read (damaged, password-protected, no text…) fails the same way on every
// run: its summary says it is not retryable and documents.retry refuses it.
// A run that failed for another reason (here, its original could not be read
// on the last attempt) may go better: retryable, and requeued on request.
// Driven with the real ingestion against the run's database, so the failures
// are the ones ingest.ts records.

const databaseUrl = inject("databaseUrl");
let db: WorkerDb;
let userId: string;
const extractor = testExtractPool();

beforeAll(async () => {
  db = createWorkerDb(databaseUrl, { max: 3 });
  userId = await insertUser(databaseUrl);
});

afterAll(async () => {
  await Promise.all([db?.close(), extractor.close()]);
});

async function queued(name: string, kind: string, mimeType: string, bytes: Buffer): Promise<string> {
  const id = randomUUID();
  await db.asWorker((tx) =>
    storeDocument(tx, { id, userId, name, kind, mimeType, sizeBytes: bytes.length, sha256: "0".repeat(64) }, bytes),
  );
  return id;
}

async function ingest(id: string, store: OriginalStore = postgresOriginalStore) {
  const { logger } = createTestLog("debug");
  await ingestDocument({ db, store, extractor, searchConfigs: searchConfigsFor("english", ["eng"]), log: logger }, id, {
    number: 3,
    last: true,
  });
  return db.asWorker((tx) => getDocument(tx, userId, id), { readOnly: true });
}

const retry = (id: string) => db.asWorker((tx) => requeueFailedDocument(tx, userId, id));

describe("retrying a failed document", () => {
  it("a damaged file: not retryable, and a retry is refused with a reason, the document untouched", async () => {
    const id = await queued(
      "broken.pdf",
      "pdf",
      "application/pdf",
      Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 0x42)]),
    );
    const failed = await ingest(id);
    expect(failed).toMatchObject({ status: "failed", retryable: false });

    const refusal = await retry(id).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect(refusal).toMatchObject({ code: "BAD_REQUEST", message: NOT_RETRYABLE_MESSAGE });
    expect(await db.asWorker((tx) => getDocument(tx, userId, id))).toEqual(failed);
  });

  it("a run that failed on its last attempt for another reason: retryable, and requeued", async () => {
    const id = await queued("notes.txt", "text", "text/plain", Buffer.from(prose(2_000)));
    const unreadable: OriginalStore = {
      ...postgresOriginalStore,
      // Fails before its first part, as a lost connection would.
      async *open() {
        throw new Error("connection terminated unexpectedly");
      },
    };
    const failed = await ingest(id, unreadable);
    expect(failed).toMatchObject({ status: "failed", retryable: true });
    expect(failed.failureReason).toEqual(expect.any(String));

    expect(await retry(id)).toMatchObject({ id, status: "queued", failureReason: null, retryable: false });
    // Queued now: a second retry is a CONFLICT, not a second job.
    await expect(retry(id)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
