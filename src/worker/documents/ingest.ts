/**
 * One document's ingestion, the job behind every upload and retry:
 * extracting (the text of each page or section) → indexing (chunks with their
 * tsvector) → ready, or failed with a reason the user can act on.
 *
 * It lands exactly once however often it runs: a run starts by removing any
 * chunks an earlier, interrupted run left, chunks are keyed by (documentId,
 * ordinal) and inserted with ON CONFLICT DO NOTHING, and the extraction is
 * deterministic. So a job retried after its worker was SIGKILLed, or run by
 * two workers at once after an expiry, ends with each chunk stored once.
 * Progress is written as it moves (a few times a second at most), each a
 * short statement of its own, so the live feed sees it and no transaction is
 * held open while the document is worked on.
 */
import { sql } from "kysely";

import type { Logger } from "~/worker/logger";
import type { WorkerDb } from "../db";
import { CHUNK_BATCH, insertChunks } from "./chunk-writer";
import { watchDeletion } from "./deletion-watch";
import { readChunks } from "./document-chunks";
import { ExtractionFailed } from "./extract/errors";
import type { ExtractPool } from "./extract-pool";
import type { OriginalStore } from "./original-store";
import { INDEX_VERSION, reindexDocument } from "./reindex";
import { MARK_CHANGED } from "./repository";
import { wordsOf, writeWords } from "./vocabulary";
import type { ReadingPage } from "./extract/types";
import { ocrColumns, writePageImages } from "./ocr-results";
import { documentSearchConfig, type SearchConfigs } from "./search-config";
import type { DocumentKind, DocumentStatus } from "~/contract/document-summary";

/** No page being read: every status but extracting. */
const NOT_READING = { readingPage: null, readingPages: null, readingOcr: false };

export interface IngestDependencies {
  db: WorkerDb;
  store: OriginalStore;
  /** The threads documents are read on. */
  extractor: ExtractPool;
  /** The text-search configuration (WORKER_SEARCH_CONFIG). */
  /** The text-search configurations a document may be indexed with (search-config.ts). */
  searchConfigs: SearchConfigs;
  log: Logger;
  /** Least time between two progress writes. */
  progressEveryMs?: number;
}

export interface Attempt {
  /** 1 for the first run. */
  number: number;
  /** No retry follows if this one fails. */
  last: boolean;
}

export async function ingestDocument(deps: IngestDependencies, documentId: string, attempt: Attempt): Promise<void> {
  const { db, store, extractor, searchConfigs, progressEveryMs = 250 } = deps;
  const log = deps.log.child({ documentId, attempt: attempt.number });

  const started = await db.asWorker(async (tx) => {
    const row = await tx
      .updateTable("document")
      .set((eb) => ({
        status: "extracting",
        progress: 0,
        failureReason: null,
        ...NOT_READING,
        attempts: eb("attempts", "+", 1),
        ...MARK_CHANGED,
      }))
      .where("id", "=", documentId)
      .where("status", "<>", "ready")
      .returning(["userId", "kind", "sizeBytes"])
      .executeTakeFirst();
    if (row) await tx.deleteFrom("document_chunk").where("documentId", "=", documentId).execute();
    // kind is a text column that only the worker writes, from DOCUMENT_KINDS.
    return row && { ...row, kind: row.kind as DocumentKind };
  });
  // Deleted since it was queued, or already ingested by an earlier run.
  // Ready already (an earlier run), unless its index is older than this worker's text handling.
  if (!started) return reindexDocument(deps, documentId, log);
  log.info({ kind: started.kind, bytes: started.sizeBytes }, "ingesting document");

  // Deleting the document stops its reading: a progress write that finds no row ends it, as does deletion-watch.ts.
  const deleted = new AbortController();
  let lastWrite = 0;
  let lastStatus: DocumentStatus = "extracting";
  let lastReading: ReadingPage | undefined;
  const progress = async (status: DocumentStatus, percent: number, reading?: ReadingPage) => {
    const now = performance.now();
    // A new step or page is always told: OCR takes seconds a page, and the feed says which one.
    const news = status !== lastStatus || (reading !== undefined && reading.page !== lastReading?.page);
    if (!news && now - lastWrite < progressEveryMs) return;
    lastWrite = now;
    lastStatus = status;
    lastReading = reading ?? lastReading;
    const reads =
      status === "extracting" && lastReading
        ? { readingPage: lastReading.page, readingPages: lastReading.pages, readingOcr: lastReading.ocr }
        : NOT_READING;
    const { numUpdatedRows } = await db.asWorker((tx) =>
      tx
        .updateTable("document")
        .set({ status, progress: Math.round(percent), ...reads, ...MARK_CHANGED })
        .where("id", "=", documentId)
        .executeTakeFirst(),
    );
    if (numUpdatedRows === 0n) deleted.abort();
  };

  try {
    const watch = watchDeletion(db, documentId, deleted);
    const read = await readChunks(
      { db, store, extractor },
      { id: documentId, ...started },
      (done, total, reading) => progress("extracting", (50 * done) / total, reading),
      deleted.signal,
    ).finally(() => watch.stop());
    if (!read) return log.info("deleted while being read");
    const { chunks } = read;
    const searchConfig = documentSearchConfig(searchConfigs, read);
    const regconfig = sql`${searchConfig}::regconfig`;
    await progress("indexing", 50);

    const owner = { documentId, userId: started.userId, regconfig };
    for (let start = 0; start < chunks.length; start += CHUNK_BATCH) {
      const batch = chunks.slice(start, start + CHUNK_BATCH);
      await db.asWorker((tx) => insertChunks(tx, owner, batch));
      await progress("indexing", 50 + (50 * (start + batch.length)) / chunks.length);
    }

    await db.asWorker(async (tx) => {
      await writeWords(tx, owner, wordsOf(chunks));
      await writePageImages(tx, documentId, read.ocr);
      await tx
        .updateTable("document")
        .set((eb) => ({
          status: "ready",
          progress: 100,
          indexVersion: INDEX_VERSION,
          pages: read.pages ?? null,
          sections: read.sections ?? null,
          ...ocrColumns(read),
          searchConfig,
          chunkCount: eb
            .selectFrom("document_chunk")
            .select(eb.fn.countAll<number>().as("count"))
            .where("documentId", "=", documentId),
          ...MARK_CHANGED,
        }))
        .where("id", "=", documentId)
        .execute();
    });
    log.info(
      { chunks: chunks.length, pages: read.pages, sections: read.sections, ocrPages: read.ocr?.pages },
      "document ready",
    );
  } catch (error) {
    // Deleted mid-run: the chunks' foreign key refuses them. Nothing to do.
    if ((error as { code?: string }).code === "23503") return log.info("deleted while being indexed");
    if (error instanceof ExtractionFailed) {
      log.info({ code: error.code }, "document cannot be ingested");
      return markFailed(db, documentId, error.reason);
    }
    if (attempt.last) {
      log.error({ err: error }, "ingestion failed, no retries left");
      return markFailed(
        db,
        documentId,
        `It could not be processed after ${attempt.number} attempts. Try again later with Retry.`,
      );
    }
    log.warn({ err: error }, "ingestion failed, will retry");
    await db
      .asWorker((tx) =>
        tx
          .updateTable("document")
          .set({ status: "queued", progress: 0, ...NOT_READING, ...MARK_CHANGED })
          .where("id", "=", documentId)
          .execute(),
      )
      .catch(() => undefined);
    throw error;
  }
}

async function markFailed(db: WorkerDb, documentId: string, reason: string): Promise<void> {
  await db.asWorker(async (tx) => {
    await tx.deleteFrom("document_chunk").where("documentId", "=", documentId).execute();
    await writePageImages(tx, documentId, undefined);
    await tx
      .updateTable("document")
      .set({ status: "failed", progress: 0, failureReason: reason, chunkCount: 0, ...NOT_READING, ...MARK_CHANGED })
      .where("id", "=", documentId)
      .execute();
  });
}
