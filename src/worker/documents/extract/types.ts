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
  /** PDFs only: the page count, blank pages included. */
  pages?: number;
  /** Formats with headings: how many units a heading starts. */
  sections?: number;
}

/** Told after each page (or the whole document, for formats read at once): `done` of `total`. */
export type ExtractionProgress = (done: number, total: number) => Promise<void> | void;
