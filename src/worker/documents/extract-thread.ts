/**
 * The extraction thread's entry (extract-pool.ts starts it; scripts/build.ts
 * bundles it beside the worker as extract-thread.mjs): a document's bytes in,
 * its chunks out. Everything between (pdf.js, mammoth, the HTML and Markdown
 * readers, OCR and its recogniser, reader text, chunking) runs here, so the thread that answers
 * calls and keeps the job queue's heartbeat never waits for it.
 *
 * A document that cannot be read is an answer, not an error: an error's
 * class does not cross the thread boundary, and ExtractionFailed's matters.
 * The main thread imports only this file's types: a value import would load
 * the extractors there too.
 */
import workerpool from "workerpool";

import { chunkUnits, type Chunk } from "./extract/chunk";
import { ExtractionFailed, type ExtractionFailureCode } from "./extract/errors";
import { extractText } from "./extract/extract";
import type { OcrSettings } from "./extract/ocr/settings";
import type { DocumentKind, OcrOutcome, ReadingPage } from "./extract/types";

export type ThreadAnswer =
  | { ok: true; chunks: Chunk[]; pages?: number; sections?: number; ocr?: OcrOutcome }
  | { ok: false; code: ExtractionFailureCode; reason: string };

/** Sent after each page (or the whole document, for formats read at once), and before each page OCR reads. */
export interface ThreadProgress {
  done: number;
  total: number;
  reading?: ReadingPage;
}

async function read(bytes: Uint8Array, kind: DocumentKind, ocr: OcrSettings): Promise<ThreadAnswer> {
  try {
    const extracted = await extractText(
      bytes,
      kind,
      (done, total, reading) => workerpool.workerEmit({ done, total, reading } satisfies ThreadProgress),
      "auto",
      ocr,
    );
    const chunks = chunkUnits(extracted.units);
    return { ok: true, chunks, pages: extracted.pages, sections: extracted.sections, ocr: extracted.ocr };
  } catch (error) {
    if (error instanceof ExtractionFailed) return { ok: false, code: error.code, reason: error.reason };
    throw error;
  }
}

const methods = { read };

/** What the thread answers to, for the pool's exec(). */
export type ExtractThreadMethods = typeof methods;

workerpool.worker(methods);
