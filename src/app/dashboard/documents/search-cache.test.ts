import { QueryClient } from "@tanstack/react-query";
import { getQueryKey } from "@trpc/react-query";
import { describe, expect, it } from "vitest";

import type { SearchHit, SearchResults } from "~/contract/search-results";
import { api } from "~/trpc/react";
import { dropDeletedFromSearches, withoutDocumentHits } from "./search-cache";

function hit(documentId: string, ordinal: number): SearchHit {
  return {
    documentId,
    documentName: `${documentId}.md`,
    kind: "markdown",
    ordinal,
    page: null,
    ocrConfidence: null,
    section: null,
    rank: 1,
    snippet: [{ text: "quartz", match: true }],
  };
}

function results(...hits: SearchHit[]): SearchResults {
  return { hits, page: 1, pageSize: 10, hasMore: false, suggestion: null };
}

describe("withoutDocumentHits", () => {
  it("drops every hit of the deleted document and keeps the rest in order", () => {
    expect(withoutDocumentHits(results(hit("a", 0), hit("gone", 3), hit("b", 1), hit("gone", 4)), "gone")).toEqual(
      results(hit("a", 0), hit("b", 1)),
    );
  });

  it("returns the same results when the document had no hits in them", () => {
    const page = results(hit("a", 0));
    expect(withoutDocumentHits(page, "gone")).toBe(page);
  });
});

describe("dropDeletedFromSearches", () => {
  it("takes the deleted document out of every cached search, as the dashboard's queries are keyed", () => {
    const queryClient = new QueryClient();
    const key = (input: { query: string; documentId?: string | null; page?: number }) =>
      getQueryKey(api.documents.search, input, "query");
    const cached = {
      quartz: key({ query: "quartz", documentId: null, page: 1 }),
      quartzPage2: key({ query: "quartz", documentId: null, page: 2 }),
      within: key({ query: "saffron", documentId: "gone", page: 1 }),
      other: key({ query: "periwinkle", documentId: null, page: 1 }),
    };
    queryClient.setQueryData(cached.quartz, results(hit("gone", 0), hit("a", 2)));
    queryClient.setQueryData(cached.quartzPage2, results(hit("gone", 7)));
    queryClient.setQueryData(cached.within, results(hit("gone", 1)));
    const untouched = results(hit("b", 0));
    queryClient.setQueryData(cached.other, untouched);
    const list = getQueryKey(api.documents.list, undefined, "query");
    queryClient.setQueryData(list, [{ id: "gone" }]);

    dropDeletedFromSearches(queryClient, getQueryKey(api.documents.search, undefined, "query"), "gone");

    expect(queryClient.getQueryData(cached.quartz)).toEqual(results(hit("a", 2)));
    expect(queryClient.getQueryData(cached.quartzPage2)).toEqual(results());
    expect(queryClient.getQueryData(cached.within)).toEqual(results());
    expect(queryClient.getQueryData(cached.other)).toBe(untouched);
    // Only searches: the list's cache is the list's business.
    expect(queryClient.getQueryData(list)).toEqual([{ id: "gone" }]);
  });
});
