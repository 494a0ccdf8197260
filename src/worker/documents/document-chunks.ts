/**
 * A stored document's chunks, read from its original: the extraction and
 * chunking a first ingestion and a re-index share, on the extraction
 * threads (extract-pool.ts). Deterministic, so every run of one document
 * gets the very same chunks.
 */
import type { WorkerDb } from "../db";
import type { DocumentChunks, ExtractPool } from "./extract-pool";
import type { DocumentKind, ExtractionProgress } from "./extract/types";
import type { OriginalStore } from "./original-store";

export interface StoredDocument {
  id: string;
  kind: DocumentKind;
  sizeBytes: number;
}

/** The document's text and chunks, or undefined if it went away meanwhile. Throws ExtractionFailed for an unreadable one. */
export async function readChunks(
  { db, store, extractor }: { db: WorkerDb; store: OriginalStore; extractor: ExtractPool },
  document: StoredDocument,
  onProgress?: ExtractionProgress,
  /** Aborted when the document is deleted meanwhile: its reading stops, and this answers undefined. */
  signal?: AbortSignal,
): Promise<DocumentChunks | undefined> {
  const bytes = await readOriginal(store, db, document.id, document.sizeBytes);
  if (!bytes || signal?.aborted) return undefined;
  try {
    const read = await extractor.read(bytes, document.kind, onProgress, signal);
    // Deleted while its last pages were told: the chunks would have no document to go to.
    return signal?.aborted ? undefined : read;
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

/** The whole original (extractors need it all), or undefined if the document went away meanwhile. */
async function readOriginal(
  store: OriginalStore,
  db: WorkerDb,
  documentId: string,
  sizeBytes: number,
): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of store.open(db, documentId)) {
    parts.push(part);
    size += part.length;
  }
  return size === sizeBytes ? Buffer.concat(parts, size) : undefined;
}
