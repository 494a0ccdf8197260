import type { DocumentSummary } from "~/contract/document-summary";

/** The SELECT list of DocumentSummaryRow, for a FROM "document". */
export const SUMMARY_COLUMNS =
  '"id", "name", "kind", "mimeType", "sizeBytes", "status", "progress", "failureReason", "pages", "sections", "chunkCount", "createdAt", "changeSeq"';

/** A row as node-postgres returns it: timestamps as Dates (bigints come back as strings, as the summary keeps changeSeq). */
export type DocumentSummaryRow = Omit<DocumentSummary, "createdAt"> & { createdAt: Date };

export function toSummary(row: DocumentSummaryRow): DocumentSummary {
  return { ...row, createdAt: row.createdAt.getTime() };
}
