/**
 * Search results held in react-query's cache, once a document is deleted: a
 * cached page shown again (the same query re-typed) must not bring the
 * deleted document's hits back, even for the moment its refetch takes.
 */
import type { QueryClient, QueryKey } from "@tanstack/react-query";

import type { SearchResults } from "~/contract/search-results";

/** The results without `documentId`'s hits (the same object when it had none). */
export function withoutDocumentHits(results: SearchResults, documentId: string): SearchResults {
  if (!results.hits.some((hit) => hit.documentId === documentId)) return results;
  return { ...results, hits: results.hits.filter((hit) => hit.documentId !== documentId) };
}

/**
 * Drops the document's hits from every cached search under `searchKey` (the
 * search procedure's key without an input, which matches them all). The
 * pages are then refetched (invalidated) to fill what was taken out.
 */
export function dropDeletedFromSearches(queryClient: QueryClient, searchKey: QueryKey, documentId: string): void {
  queryClient.setQueriesData<SearchResults>(
    { queryKey: searchKey },
    (results) => results && withoutDocumentHits(results, documentId),
  );
}
