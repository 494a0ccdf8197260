/** The document formats the worker can read (one list: the summary's, which the migration's CHECK mirrors). */
export type { DocumentKind } from "~/contract/document-summary";

/** A run of a document's text: one PDF page, or one heading's section of the other formats. */
export interface ExtractedUnit {
  page?: number;
  section?: string;
  text: string;
}

export interface Extracted {
  units: ExtractedUnit[];
  /** PDFs and images: the page count, blank pages included. */
  pages?: number;
  /** Formats with headings: how many units a heading starts. */
  sections?: number;
  /** Present when any page was given to OCR (a scan's pages, an image). */
  ocr?: OcrOutcome;
}

/** What OCR made of a document's pages without a text layer. */
export interface OcrOutcome {
  /** Pages recognised (with or without text found). */
  pages: number;
  /** Mean word confidence over those pages, 0–100; 0 when no word was found. */
  confidence: number;
  /** One small image per recognised page, shown beside a search hit on it. */
  pageImages: PageImage[];
  /** Pages OCR gave up on, each with a sentence why (too large, too slow, unreadable). */
  failedPages: { page: number; reason: string }[];
}

export interface PageImage {
  page: number;
  mimeType: "image/webp";
  width: number;
  height: number;
  /** The recogniser's mean word confidence on this page, 0–100. */
  confidence: number;
  bytes: Uint8Array;
}

/** Which page is being read now, told before it is read. */
export interface ReadingPage {
  page: number;
  pages: number;
  ocr: boolean;
}

/**
 * Told after each page (or the whole document, for formats read at once):
 * `done` of `total`; and before a page OCR reads, which one (OCR takes
 * seconds a page, so the feed says where it is).
 */
export type ExtractionProgress = (done: number, total: number, reading?: ReadingPage) => Promise<void> | void;
