/**
 * What a search may be, as the browser may know it without zod (the
 * schemas in ./document-inputs.ts would bring zod, and its eval probe that
 * the page's CSP refuses, into the bundle).
 */

/** The longest search (after trimming): the search box cuts a longer one and says so. */
export const MAX_SEARCH_QUERY_CHARS = 200;
