/**
 * A document as the list, the live feed and the upload's answer show it: one
 * shape, read by one SELECT list, so the three never disagree.
 */
export const DOCUMENT_KINDS = ["pdf", "docx", "html", "markdown", "text", "image"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** queued → extracting → indexing → ready, or failed (with a reason) from any of the first three. */
export const DOCUMENT_STATUSES = ["queued", "extracting", "indexing", "ready", "failed"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export interface DocumentSummary {
  id: string;
  name: string;
  kind: DocumentKind;
  mimeType: string;
  sizeBytes: number;
  status: DocumentStatus;
  /** 0–100 within the whole ingestion (extracting is the first half, indexing the second). */
  progress: number;
  /** Why it failed, in words the user can act on; null unless status is "failed". */
  failureReason: string | null;
  /**
   * A failed document a retry may fix (its run failed: a crash, a timeout);
   * false for one whose file cannot be read (damaged, password-protected, no
   * text…), which fails the same way every time, and for any other status.
   */
  retryable: boolean;
  /** Pages of a PDF or an image (a multi-page TIFF has several); null for other kinds and until extracted. */
  pages: number | null;
  /** Sections (headings, or the PDF's pages); null until extracted. */
  sections: number | null;
  chunkCount: number;
  /** Pages whose text came from OCR (a scan's, an image's), with the recogniser's mean confidence (0–100); null when none did. */
  ocr: { pages: number; confidence: number } | null;
  /** What the owner of a ready document should know (no text found in a scan, pages OCR could not read); null when nothing. */
  notice: string | null;
  /** While extracting: the page being read now, of how many, and whether by OCR ("Reading page 12 of 40 (OCR)"); null otherwise. */
  reading: { page: number; pages: number; ocr: boolean } | null;
  /** Epoch milliseconds, as every time the worker sends. */
  createdAt: number;
  /** The document's position in the change feed: moves on every change (a decimal string: it is a bigint). */
  changeSeq: string;
}
