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
