/** What a search answers: ranked hits, each with its snippet as plain-text segments, never markup. */
import type { DocumentKind } from "./document-summary";

export interface SnippetSegment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  documentId: string;
  documentName: string;
  kind: DocumentKind;
  /** Which chunk of the document (0-based). */
  ordinal: number;
  page: number | null;
  /**
   * The hit's page was read by OCR: its recogniser's confidence (0–100) there,
   * and a small image of it at pageImagePath(documentId, page). Null otherwise.
   */
  ocrConfidence: number | null;
  section: string | null;
  rank: number;
  snippet: SnippetSegment[];
}

export interface SearchResults {
  hits: SearchHit[];
  page: number;
  pageSize: number;
  /** Whether a next page exists (one more row than the page was read to tell). */
  hasMore: boolean;
  /** When the first page has few hits or none: the query with its unknown words replaced by the closest words of the user's documents ("Did you mean …?"). */
  suggestion: string | null;
}
