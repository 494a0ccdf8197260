/**
 * Re-indexing ready documents when the worker's text handling changes
 * (normalisation, tokens, vocabulary): each document records the
 * INDEX_VERSION that made its chunks. At start, a worker queues the ingestion
 * job of every ready document behind it; the job (ingest.ts) finds the
 * document ready and re-indexes it here from its stored original. The work is
 * the queue's, spread over every worker and retried like any ingestion; the
 * start only sends the jobs.
 *
 * The swap is one transaction: a search sees the old chunks or the new ones,
 * never a mix, and the document stays ready and searchable throughout.
 */
import { sql, type ExpressionBuilder } from "kysely";

import type { Logger } from "~/worker/logger";
import type { WorkerDatabase, WorkerDb } from "../db";
import type { JobQueue } from "../jobs/queue";
import { CHUNK_BATCH, insertChunks } from "./chunk-writer";
import { readChunks } from "./document-chunks";
import { enqueueIngestion } from "./ingest-job";
import { ExtractionFailed } from "./extract/errors";
import type { ExtractPool } from "./extract-pool";
import type { OriginalStore } from "./original-store";
import { ocrColumns, writePageImages } from "./ocr-results";
import { MARK_CHANGED } from "./repository";
import { configsInUse, documentSearchConfig, type SearchConfigs } from "./search-config";
import { wordsOf, writeWords } from "./vocabulary";
import type { DocumentKind } from "~/contract/document-summary";

/**
 * Raise it with any change to what a document's chunks, tsvectors or words
 * would be. 1: reader text (accents, ligatures, hyphenation), parsable
 * markup, symbol terms, the vocabulary (docs/decisions/0022). 2: PDFs read
 * by pdftotext where it is installed (docs/decisions/0023). 3: PDF pages
 * without a text layer read by OCR (docs/decisions/0030).
 */
export const INDEX_VERSION = 3;

/** Documents queued per transaction at start. */
const ENQUEUE_BATCH = 500;

export interface ReindexDependencies {
  db: WorkerDb;
  store: OriginalStore;
  extractor: ExtractPool;
  /** The text-search configurations a document may be indexed with (search-config.ts). */
  searchConfigs: SearchConfigs;
}

/**
 * A ready document's index is stale when an older version of the text
 * handling made it, or it was made with a text-search configuration this
 * worker no longer searches with (WORKER_SEARCH_CONFIG or OCR_LANGUAGES
 * changed): a search would not find it.
 */
function isStale(configs: SearchConfigs) {
  return (eb: ExpressionBuilder<WorkerDatabase, "document">) =>
    eb.and([
      eb("status", "=", "ready"),
      eb.or([
        eb("indexVersion", "<", INDEX_VERSION),
        eb.and([eb("searchConfig", "is not", null), eb("searchConfig", "not in", configsInUse(configs))]),
      ]),
    ]);
}

/** Re-indexes the document if it is ready and its index stale (isStale); otherwise does nothing. */
export async function reindexDocument(deps: ReindexDependencies, documentId: string, log: Logger): Promise<void> {
  const { db } = deps;
  const stale = await db.asWorker(
    (tx) =>
      tx
        .selectFrom("document")
        .select(["id", "userId", "kind", "sizeBytes"])
        .where("id", "=", documentId)
        .where(isStale(deps.searchConfigs))
        .executeTakeFirst(),
    { readOnly: true },
  );
  if (!stale) return log.info("nothing to ingest");

  let read;
  try {
    // kind is a text column that only the worker writes, from DOCUMENT_KINDS.
    read = await readChunks(deps, { ...stale, kind: stale.kind as DocumentKind });
  } catch (error) {
    if (!(error instanceof ExtractionFailed)) throw error;
    // Read once, unreadable now: today's code refuses what an older one took. Its old index stays.
    log.warn({ code: error.code }, "re-index refused by extraction; the document keeps its old index");
    await db.asWorker((tx) =>
      tx.updateTable("document").set({ indexVersion: INDEX_VERSION }).where("id", "=", documentId).execute(),
    );
    return;
  }
  if (!read) return log.info("deleted while being read");

  const searchConfig = documentSearchConfig(deps.searchConfigs, read);
  const owner = { documentId, userId: stale.userId, regconfig: sql`${searchConfig}::regconfig` };
  const swapped = await db.asWorker(async (tx) => {
    // The row lock makes two runs of one job take turns; the second finds the version current.
    const locked = await tx
      .selectFrom("document")
      .select("id")
      .where("id", "=", documentId)
      .where(isStale(deps.searchConfigs))
      .forUpdate()
      .executeTakeFirst();
    if (!locked) return false;
    await tx.deleteFrom("document_chunk").where("documentId", "=", documentId).execute();
    for (let start = 0; start < read.chunks.length; start += CHUNK_BATCH) {
      await insertChunks(tx, owner, read.chunks.slice(start, start + CHUNK_BATCH));
    }
    await writeWords(tx, owner, wordsOf(read.chunks));
    await writePageImages(tx, documentId, read.ocr);
    await tx
      .updateTable("document")
      .set({
        indexVersion: INDEX_VERSION,
        chunkCount: read.chunks.length,
        pages: read.pages ?? null,
        sections: read.sections ?? null,
        ...ocrColumns(read),
        searchConfig,
        ...MARK_CHANGED,
      })
      .where("id", "=", documentId)
      .execute();
    return true;
  });
  log.info({ chunks: read.chunks.length, swapped }, swapped ? "document re-indexed" : "re-indexed meanwhile");
}

/**
 * Queues the ingestion job of every ready document indexed by an older
 * version. A key per document keeps a second worker's start (or a restart
 * before the queue drained) from queueing it twice.
 */
export async function enqueueStaleDocuments(
  db: WorkerDb,
  queue: JobQueue,
  configs: SearchConfigs,
  log: Logger,
): Promise<number> {
  let queued = 0;
  let after = "";
  for (;;) {
    const ids = await db.asWorker(async (tx) => {
      const rows = await tx
        .selectFrom("document")
        .select("id")
        .where(isStale(configs))
        .where("id", ">", after)
        .orderBy("id")
        .limit(ENQUEUE_BATCH)
        .execute();
      for (const { id } of rows) {
        if (await enqueueIngestion(queue, tx, id, { singletonKey: `reindex:${id}` })) queued++;
      }
      return rows.map((row) => row.id);
    });
    if (ids.length < ENQUEUE_BATCH) break;
    after = ids.at(-1)!;
  }
  if (queued > 0) log.info({ documents: queued, indexVersion: INDEX_VERSION }, "re-indexing queued");
  return queued;
}
