import { MAX_SEARCH_QUERY_CHARS } from "~/contract/search-limits";
import { countOf } from "../count";

/**
 * What the search box keeps of what was typed or pasted: the whole of it up
 * to the contract's limit, else its first MAX_SEARCH_QUERY_CHARS characters
 * and how long it was, so the box can say it was cut. (An input's maxLength
 * would cut a paste without a word.)
 */
export function limitSearchText(value: string): { text: string; cutFrom: number | null } {
  if (value.length <= MAX_SEARCH_QUERY_CHARS) return { text: value, cutFrom: null };
  return { text: value.slice(0, MAX_SEARCH_QUERY_CHARS), cutFrom: value.length };
}

/** The sentence the search box shows after cutting a `length`-character search. */
export function searchCutMessage(length: number): string {
  return `Your search was cut to its first ${countOf(MAX_SEARCH_QUERY_CHARS, "character")} (it had ${length.toLocaleString("en")}): a search may be no longer.`;
}
