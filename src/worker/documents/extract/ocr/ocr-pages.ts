/**
 * OCR of a document's pages that have no text (an image's pages, a scan's):
 * one after the other on this reader's recogniser, each within its time
 * limit and all within the document's. A page that cannot be read is
 * skipped with a reason; the document fails only when OCR read none of its
 * pages, or ran out of time.
 */
import { formatDuration } from "../duration";
import { ExtractionFailed, type ExtractionFailureCode } from "../errors";
import type { ExtractedUnit, ExtractionProgress, OcrOutcome, PageImage } from "../types";
import type { PreparedPage } from "./page-image";
import { PageTimedOut, recognize, RecognizerUnavailable } from "./recognizer";
import type { OcrSettings } from "./settings";

/** A page that cannot be read, and the sentence why (shown to the uploader). */
export class PageFailed extends Error {
  override readonly name = "PageFailed";

  constructor(
    readonly code: ExtractionFailureCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

export interface OcrPage {
  /** Its number in the document, from 1. */
  page: number;
  /** Its picture ready for OCR, within `timeoutMs`; rejects with PageFailed when it cannot be made (too large, damaged, too slow to render). */
  prepare(timeoutMs: number): Promise<PreparedPage>;
}

export interface OcrRun {
  settings: OcrSettings;
  /** The document's page count, for the progress ("page 12 of 40"). */
  pages: number;
  /** Progress so far (pages whose text layer was read): OCR's pages count on from there. */
  done?: number;
  onProgress?: ExtractionProgress;
}

export interface OcrPages {
  /** One unit per page where OCR found text. */
  units: ExtractedUnit[];
  outcome: OcrOutcome;
  /** The pages OCR gave up on, with the code a document failing for them would have. */
  failures: { page: number; failure: PageFailed }[];
}

/**
 * The longest a page's picture may take to make (pdftoppm's rendering):
 * apart from the page's OCR time, which is Tesseract's alone.
 */
const PREPARE_LIMIT_MS = 120_000;

export async function ocrPages(sources: readonly OcrPage[], run: OcrRun): Promise<OcrPages> {
  const { settings, pages, done = 0, onProgress } = run;
  const total = done + sources.length;
  const deadline = performance.now() + settings.documentTimeoutMs;
  const units: ExtractedUnit[] = [];
  const pageImages: PageImage[] = [];
  const failures: OcrPages["failures"] = [];
  let words = 0;
  let weightedConfidence = 0;
  for (const [index, source] of sources.entries()) {
    const left = deadline - performance.now();
    if (left <= 0) throw outOfTime(settings, index, sources.length);
    await onProgress?.(done + index, total, { page: source.page, pages, ocr: true });
    let recognitionMs = settings.pageTimeoutMs;
    try {
      const prepared = await source.prepare(Math.min(PREPARE_LIMIT_MS, left));
      recognitionMs = Math.min(settings.pageTimeoutMs, deadline - performance.now());
      const { text, confidence } = prepared.blank
        ? { text: "", confidence: 0 }
        : await recognize(prepared.png, settings.languages, recognitionMs);
      const count = text.split(/\s+/).filter(Boolean).length;
      words += count;
      weightedConfidence += count * confidence;
      if (count > 0) units.push({ page: source.page, text });
      pageImages.push({
        page: source.page,
        mimeType: "image/webp",
        width: prepared.preview.width,
        height: prepared.preview.height,
        confidence: count > 0 ? Math.round(confidence) : 0,
        bytes: new Uint8Array(prepared.preview.bytes),
      });
    } catch (error) {
      // Not this page's doing: the run fails, and is retried.
      if (error instanceof RecognizerUnavailable) throw error;
      // The document's time ran out on this page, not the page's own.
      if (performance.now() >= deadline || (error instanceof PageTimedOut && recognitionMs < settings.pageTimeoutMs)) {
        throw outOfTime(settings, index, sources.length);
      }
      failures.push({ page: source.page, failure: pageFailure(error, settings) });
    }
  }
  await onProgress?.(total, total);
  return {
    units,
    failures,
    outcome: {
      pages: pageImages.length,
      confidence: words === 0 ? 0 : Math.round(weightedConfidence / words),
      pageImages,
      failedPages: failures.map(({ page, failure }) => ({ page, reason: failure.reason })),
    },
  };
}

/** The document's failure when OCR read none of its pages: the one page's reason, or the first one's. */
export function noPageRead(failures: OcrPages["failures"]): ExtractionFailed {
  const [first] = failures;
  if (!first) return new ExtractionFailed("no_text", "The document contains no text.");
  const reason =
    failures.length === 1
      ? first.failure.reason
      : `OCR could not read any of its ${failures.length.toLocaleString("en-US")} pages. Page ${String(first.page)}: ${first.failure.reason}`;
  return new ExtractionFailed(first.failure.code, reason, { cause: first.failure });
}

/** More pages need OCR than one document may have read: said before any is read. */
export function tooManyPages(count: number, settings: OcrSettings, what: string): ExtractionFailed {
  return new ExtractionFailed(
    "too_large",
    `It has ${count.toLocaleString("en-US")} ${what}; OCR reads at most ${settings.maxPages.toLocaleString("en-US")} pages of one document. Split it into smaller files and upload those.`,
  );
}

function pageFailure(error: unknown, settings: OcrSettings): PageFailed {
  if (error instanceof PageFailed) return error;
  if (error instanceof PageTimedOut) {
    return new PageFailed(
      "exceeds_time",
      `OCR took longer than ${formatDuration(settings.pageTimeoutMs)} on this page, so it was skipped.`,
      { cause: error },
    );
  }
  // A crash of the recogniser on this page: the page is skipped, and the
  // error reaches the worker's log (this process's stderr goes there).
  console.error("OCR failed on a page:", error);
  return new PageFailed("damaged", "OCR could not read this page.", { cause: error });
}

function outOfTime(settings: OcrSettings, read: number, count: number): ExtractionFailed {
  return new ExtractionFailed(
    "exceeds_time",
    `OCR of the document took longer than ${formatDuration(settings.documentTimeoutMs)} (${read.toLocaleString("en-US")} of ${count.toLocaleString("en-US")} pages read). Split it into smaller files and upload those.`,
  );
}
