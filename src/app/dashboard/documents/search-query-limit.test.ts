import { describe, expect, it } from "vitest";

import { searchInput } from "~/contract/document-inputs";
import { MAX_SEARCH_QUERY_CHARS } from "~/contract/search-limits";
import { limitSearchText, searchCutMessage } from "./search-query-limit";

describe("limitSearchText", () => {
  it("keeps a search up to the contract's limit whole", () => {
    const longest = "a".repeat(MAX_SEARCH_QUERY_CHARS);
    expect(limitSearchText("saffron harbour")).toEqual({ text: "saffron harbour", cutFrom: null });
    expect(limitSearchText(longest)).toEqual({ text: longest, cutFrom: null });
  });

  it("cuts a pasted 2,000-character search to what the worker accepts, and tells how long it was", () => {
    const pasted = "word ".repeat(400);
    const kept = limitSearchText(pasted);
    expect(kept).toEqual({ text: pasted.slice(0, MAX_SEARCH_QUERY_CHARS), cutFrom: 2_000 });
    expect(searchInput.safeParse({ query: kept.text }).success).toBe(true);
    expect(searchInput.safeParse({ query: pasted.replaceAll(" ", "x") }).success).toBe(false);
  });
});

describe("searchCutMessage", () => {
  it("names the limit and the length that was pasted", () => {
    expect(searchCutMessage(2_000)).toBe(
      "Your search was cut to its first 200 characters (it had 2,000): a search may be no longer.",
    );
  });
});
