import { countOf } from "../count";
import type { DocumentKind, DocumentStatus, DocumentSummary } from "~/contract/document-summary";

const KIND_LABELS: Record<DocumentKind, string> = {
  pdf: "PDF",
  docx: "Word",
  html: "HTML",
  markdown: "Markdown",
  text: "Text",
  image: "Image",
};

export function kindLabel(kind: DocumentKind): string {
  return KIND_LABELS[kind];
}

const STATUS_LABELS: Record<DocumentStatus, string> = {
  queued: "Queued",
  extracting: "Extracting text",
  indexing: "Indexing",
  ready: "Ready",
  failed: "Failed",
};

export function statusLabel(status: DocumentStatus): string {
  return STATUS_LABELS[status];
}

/** Still on its way to ready or failed: the list shows its progress. */
export function inProgress(status: DocumentStatus): boolean {
  return status === "queued" || status === "extracting" || status === "indexing";
}

const UNITS = ["KB", "MB", "GB"] as const;
const threeDigits = new Intl.NumberFormat("en", { maximumSignificantDigits: 3 });

/** Decimal units, as the worker states its limits (src/contract/document-limits.ts). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = "B";
  for (const next of UNITS) {
    // 999.5 and up would print as "1,000": the next unit says it better.
    if (value < 999.5) break;
    value /= 1000;
    unit = next;
  }
  return `${threeDigits.format(value)} ${unit}`;
}

/** "12 pages · 12 sections", or what of it is known; null before extraction. */
export function structureLabel({ pages, sections }: Pick<DocumentSummary, "pages" | "sections">): string | null {
  const parts = [
    pages === null ? null : countOf(pages, "page"),
    sections === null ? null : countOf(sections, "section"),
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

/**
 * Where extraction stands while the worker reads page by page: "page 12 of
 * 40 (OCR)" (without "(OCR)" for a page with a text layer), for the row's
 * "Reading …" and the announcement's "reading …". Null otherwise.
 */
export function readingPage({ status, reading }: Pick<DocumentSummary, "status" | "reading">): string | null {
  if (status !== "extracting" || !reading) return null;
  return `page ${number(reading.page)} of ${number(reading.pages)}${reading.ocr ? " (OCR)" : ""}`;
}

/**
 * That a document's text came from OCR, and how sure the recogniser was:
 * "Read by OCR · 91% confidence" when every page was (the row counts them
 * already), "12 of 40 pages read by OCR · 88% confidence" in a mixed PDF,
 * the count itself where the document's is unknown. No confidence where no
 * word was found (it would be about nothing). Null when no page was OCR'd.
 */
export function ocrLabel({
  ocr,
  pages,
  chunkCount,
}: Pick<DocumentSummary, "ocr" | "pages" | "chunkCount">): string | null {
  if (!ocr) return null;
  const read =
    pages !== null && ocr.pages < pages
      ? `${number(ocr.pages)} of ${countOf(pages, "page")} read by OCR`
      : pages === null && ocr.pages > 1
        ? `Read by OCR · ${countOf(ocr.pages, "page")}`
        : "Read by OCR";
  return chunkCount > 0 ? `${read} · ${formatConfidence(ocr.confidence)} confidence` : read;
}

/** A search hit on a page OCR read: "OCR · 91%" (the recogniser's confidence there). */
export function ocrHitLabel(confidence: number): string {
  return `OCR · ${formatConfidence(confidence)}`;
}

/**
 * What the owner of a ready document should know: the worker's notice ("No
 * text was found in the image."), else, for a document with nothing to
 * search, why search will not find it, so that it does not look broken. Null
 * for any other status, and when all is well.
 */
export function readyNotice({
  status,
  notice,
  chunkCount,
}: Pick<DocumentSummary, "status" | "notice" | "chunkCount">): string | null {
  if (status !== "ready") return null;
  return notice ?? (chunkCount === 0 ? "No text was found in it, so search will not find it." : null);
}

function formatConfidence(confidence: number): string {
  return `${Math.round(Math.min(100, Math.max(0, confidence)))}%`;
}

function number(count: number): string {
  return count.toLocaleString("en");
}

/**
 * What the user can do about a failed document whose file cannot be read:
 * Retry would read the same file again and is not offered, so the row says
 * what will work. Null where Retry is offered, or nothing failed.
 */
export function failureAdvice({ status, retryable }: Pick<DocumentSummary, "status" | "retryable">): string | null {
  if (status !== "failed" || retryable) return null;
  return "Retrying would read the same file: delete it and upload a readable copy.";
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDateTime(epochMs: number): string {
  return dateTime.format(epochMs);
}
