/**
 * What callers may send to the documents procedures. The web tier validates
 * with these too (as with ./text-stats-input.ts) to refuse bad input before
 * forwarding.
 */
import { z } from "zod";

import { MAX_SEARCH_QUERY_CHARS } from "./search-limits";

/** Document ids are UUIDs the worker makes: anything else cannot name a document. */
export const documentId = z.uuid({ error: "is not a document id" });

export const documentRef = z.object({ id: documentId });

export const SEARCH_PAGE_SIZE = 10;
/** The deepest page a search may ask for: ranking every match costs the same whatever the page, reading far pages costs more. */
export const MAX_SEARCH_PAGE = 50;

export const searchInput = z.object({
  query: z
    .string()
    .trim()
    .min(1, { error: "Type something to search for." })
    .max(MAX_SEARCH_QUERY_CHARS, { error: `A search is at most ${MAX_SEARCH_QUERY_CHARS} characters.` }),
  /** Only this document's chunks. */
  documentId: documentId.nullish(),
  page: z
    .number()
    .int()
    .min(1)
    .max(MAX_SEARCH_PAGE, { error: `Results stop at page ${MAX_SEARCH_PAGE}: make the search narrower.` })
    .default(1),
  pageSize: z.number().int().min(1).max(50).default(SEARCH_PAGE_SIZE),
});
export type SearchInput = z.input<typeof searchInput>;
