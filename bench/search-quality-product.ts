/**
 * The product's code paths the search-quality bench drives, in this process
 * and in one place, so a change to their signatures is adjusted here alone:
 * a file stored as an upload stores it (the type detected from its first
 * bytes, the row and the original written in one transaction), the worker's
 * ingestion job run on it (ingest.ts), and the worker's documents.search
 * procedure's query (search.ts's searchChunks in an asWorker READ ONLY
 * transaction, its input parsed by the contract's schema), all for one user
 * on a real PostgreSQL database.
 */
import { createHash, randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";

import { sql } from "kysely";

import { searchInput } from "~/contract/document-inputs";
import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { DETECTION_HEAD_BYTES, detectDocumentType } from "~/worker/documents/extract/detect";
import { createExtractPool } from "~/worker/documents/extract-pool";
import { ingestDocument } from "~/worker/documents/ingest";
import { postgresOriginalStore } from "~/worker/documents/original-store";
import { searchConfigsFor } from "~/worker/documents/search-config";
import { checkSearchConfig, searchChunks } from "~/worker/documents/search";
import { createLogger } from "~/worker/logger";
import { storeDocument } from "../tests/support/worker/stored-document";
import { queryOnce } from "../tests/support/test-database";

export interface Ingested {
  documentId: string;
  status: string;
  failureReason: string | null;
  chunks: number;
  pages: number | null;
  /** The ingestion job alone (extraction and indexing), not the upload. */
  ingestMs: number;
}

export interface Hit {
  documentId: string;
  page: number | null;
}

export interface SearchOptions {
  /** Only this document's chunks; else all of the user's. */
  documentId?: string;
  pageSize?: number;
}

export interface Product {
  ingest(name: string, bytes: Buffer): Promise<Ingested>;
  /** The first page of results, best first. */
  search(query: string, options?: SearchOptions): Promise<Hit[]>;
  /** The words of `words` the search configuration drops (`to_tsvector` of the word alone is empty). */
  stopWords(words: string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

export async function openProduct(
  databaseUrl: string,
  { searchConfig, connections }: { searchConfig: string; connections: number },
): Promise<Product> {
  const db: WorkerDb = createWorkerDb(databaseUrl, { max: connections });
  const searchConfigs = searchConfigsFor(searchConfig, ["eng"]);
  try {
    await checkSearchConfig(db, searchConfig);
  } catch (error) {
    await db.close();
    throw error;
  }
  // The user row, as Better Auth's sign-up leaves it (the documents' owner); the worker may not write users.
  const userId = `bench-${randomUUID()}`;
  await queryOnce(databaseUrl, `INSERT INTO "user" ("id", "name", "email") VALUES ($1, 'Search Bench', $2)`, [
    userId,
    `${userId}@example.test`,
  ]);
  const log = createLogger("warn");
  // The worker's defaults: a thread per core, 512 MB and 5 minutes a document.
  const extractor = createExtractPool({ threads: availableParallelism(), memoryMb: 512, timeoutMs: 300_000 });

  return {
    async ingest(name, bytes) {
      const detected = await detectDocumentType(bytes.subarray(0, DETECTION_HEAD_BYTES), name);
      if (!detected.ok) throw new Error(`${name}: the upload would refuse it: ${detected.message}`);
      const documentId = randomUUID();
      await db.asWorker((tx) =>
        storeDocument(
          tx,
          {
            id: documentId,
            userId,
            name,
            kind: detected.kind,
            mimeType: detected.mimeType,
            sizeBytes: bytes.length,
            sha256: createHash("sha256").update(bytes).digest("hex"),
          },
          bytes,
        ),
      );
      const begin = performance.now();
      await ingestDocument({ db, store: postgresOriginalStore, extractor, searchConfigs, log }, documentId, {
        number: 1,
        last: true,
      });
      const ingestMs = performance.now() - begin;
      const row = await db.asWorker(
        (tx) =>
          tx
            .selectFrom("document")
            .select(["status", "failureReason", "chunkCount", "pages"])
            .where("id", "=", documentId)
            .executeTakeFirstOrThrow(),
        { readOnly: true },
      );
      return {
        documentId,
        status: row.status,
        failureReason: row.failureReason,
        chunks: row.chunkCount,
        pages: row.pages,
        ingestMs,
      };
    },

    async search(query, { documentId, pageSize } = {}) {
      const input = searchInput.parse({ query, documentId, pageSize });
      const results = await db.asWorker((tx) => searchChunks(tx, userId, searchConfigs, input), { readOnly: true });
      return results.hits.map((hit) => ({ documentId: hit.documentId, page: hit.page }));
    },

    async stopWords(words) {
      const rows = await db.asWorker(
        async (tx) =>
          (
            await sql<{ word: string }>`SELECT w AS word FROM unnest(${words}::text[]) AS w
              WHERE to_tsvector(${searchConfig}::regconfig, w) = ''::tsvector`.execute(tx)
          ).rows,
        { readOnly: true },
      );
      return new Set(rows.map((row) => row.word));
    },

    close: async () => {
      await Promise.all([db.close(), extractor.close()]);
    },
  };
}
