/**
 * How a DocumentSummary is read: the one SELECT list of the list, the live
 * feed and the upload's answer, checked against the generated table type, so
 * a column renamed in schema.prisma is a compile error here.
 */
import type { Selectable } from "kysely";

import type { WorkerDatabase } from "../db";
import type { DocumentKind, DocumentStatus, DocumentSummary } from "~/contract/document-summary";
import { isRetryable } from "./failure";

type DocumentTable = WorkerDatabase["document"];

/** The SELECT list of DocumentSummaryRow, for a FROM "document". */
export const SUMMARY_COLUMNS = [
  "id",
  "name",
  "kind",
  "mimeType",
  "sizeBytes",
  "status",
  "progress",
  "failureReason",
  "pages",
  "sections",
  "chunkCount",
  "ocrPages",
  "ocrConfidence",
  "notice",
  "readingPage",
  "readingPages",
  "readingOcr",
  "createdAt",
  "changeSeq",
] as const satisfies readonly (keyof DocumentTable)[];

/** A row as node-postgres returns it: timestamps as Dates, bigints as strings (as the summary keeps changeSeq). */
export type DocumentSummaryRow = Pick<Selectable<DocumentTable>, (typeof SUMMARY_COLUMNS)[number]>;

export function toSummary({
  ocrPages,
  ocrConfidence,
  readingPage,
  readingPages,
  readingOcr,
  ...row
}: DocumentSummaryRow): DocumentSummary {
  // kind and status are text columns that only the worker writes, from
  // DOCUMENT_KINDS and DOCUMENT_STATUSES.
  const status = row.status as DocumentStatus;
  return {
    ...row,
    ocr: ocrPages === null ? null : { pages: ocrPages, confidence: Math.round(ocrConfidence ?? 0) },
    reading:
      status === "extracting" && readingPage !== null && readingPages !== null
        ? { page: readingPage, pages: readingPages, ocr: readingOcr }
        : null,
    kind: row.kind as DocumentKind,
    status,
    retryable: isRetryable(status, row.failureReason),
    createdAt: row.createdAt.getTime(),
  };
}
