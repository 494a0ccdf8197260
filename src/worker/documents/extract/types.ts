/** The document formats the worker can read. */
export type DocumentKind = "pdf" | "docx" | "html" | "markdown" | "text";

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
