"use client";

import { keepPreviousData } from "@tanstack/react-query";
import { useId, useState } from "react";

import { api } from "~/trpc/react";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import type { SearchHit } from "~/contract/search-results";
import type { DocumentSummary } from "~/contract/document-summary";
import { countOf } from "../count";
import styles from "./documents.module.css";
import { limitSearchText, searchCutMessage } from "./search-query-limit";
import { SearchHitItem } from "./search-hit";
import { useDebouncedValue } from "./use-debounced-value";

// Typing pauses this long before a search leaves: one request per word, not per keystroke.
const DEBOUNCE_MS = 300;

/** The line that says where a search stands, for the eye and for screen readers (a live region). */
function searchStatus({
  query,
  results,
  filterName,
  anythingReady,
}: {
  query: string;
  results: { hits: readonly SearchHit[]; page: number; hasMore: boolean } | undefined;
  filterName: string | undefined;
  anythingReady: boolean;
}): string {
  if (query === "") return anythingReady ? "" : "Documents can be searched once they are ready.";
  if (!results) return "Searching…";
  const { hits, page, hasMore } = results;
  if (!hits.length)
    return `Nothing matches “${query}”${filterName ? ` in ${filterName}` : ""}${page > 1 ? ` on page ${page}` : ""}.`;
  return `Page ${page}: ${countOf(hits.length, "match", "matches")}${hasMore ? ", more on the next page" : ""}.`;
}

/**
 * Full-text search over the user's ready documents, through the web tier:
 * the query is as people type them (websearch syntax), results come ranked,
 * a page at a time, optionally within one document.
 */
export function DocumentSearch({
  documents,
  http,
}: {
  documents: readonly DocumentSummary[] | undefined;
  /** For the page images of hits on scanned pages, which come straight from the worker. */
  http: WorkerHttpOptions;
}) {
  const ids = { query: useId(), help: useId(), within: useId(), cut: useId() };
  const [text, setText] = useState("");
  // The length of the last search that was cut to the limit, until the box is edited within it.
  const [cutFrom, setCutFrom] = useState<number | null>(null);
  const [within, setWithin] = useState("");
  const query = useDebouncedValue(text.trim(), DEBOUNCE_MS);

  const ready = (documents ?? []).filter((document) => document.status === "ready");
  // A document deleted (or no longer ready) cannot stay the filter.
  const documentId = ready.some((document) => document.id === within) ? within : "";

  // The page belongs to one query in one scope: a new one starts at page 1.
  const scope = `${documentId}\u0000${query}`;
  const [paging, setPaging] = useState({ scope, page: 1 });
  const page = paging.scope === scope ? paging.page : 1;
  const goTo = (next: number) => setPaging({ scope, page: next });

  const search = api.documents.search.useQuery(
    { query, documentId: documentId || null, page },
    { enabled: query !== "", placeholderData: keepPreviousData, retry: false },
  );
  const results = query === "" ? undefined : search.data;
  // The query the results on screen answer: none while the previous query's stay up as placeholders.
  const answered = results && !search.isPlaceholderData ? query : "";
  const filterName = ready.find((document) => document.id === documentId)?.name;

  return (
    <section className="card" aria-labelledby={`${ids.query}-heading`} data-testid="document-search">
      <h2 id={`${ids.query}-heading`}>Search documents</h2>
      <form className={styles.searchForm} role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={ids.query}>
          Search for
          <input
            id={ids.query}
            type="search"
            value={text}
            onChange={(event) => {
              const kept = limitSearchText(event.target.value);
              setText(kept.text);
              setCutFrom(kept.cutFrom);
            }}
            aria-describedby={cutFrom === null ? ids.help : `${ids.cut} ${ids.help}`}
            autoComplete="off"
            data-testid="search-input"
          />
        </label>
        <label htmlFor={ids.within}>
          In
          <select
            id={ids.within}
            value={documentId}
            onChange={(event) => setWithin(event.target.value)}
            data-testid="search-within"
          >
            <option value="">All ready documents</option>
            {ready.map((document) => (
              <option key={document.id} value={document.id}>
                {document.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      {cutFrom !== null && (
        <p id={ids.cut} className={`${styles.meta} ${styles.gap}`} role="status" data-testid="search-cut">
          {searchCutMessage(cutFrom)}
        </p>
      )}
      <p id={ids.help} className={`${styles.meta} ${styles.gap}`}>
        Words match their other forms (index, indexing) and ignore accents; C++ or .NET match as written. Put &ldquo;a
        phrase&rdquo; in quotes, leave a word out with -word, and write or between words to find either.
      </p>

      {search.error && query !== "" ? (
        <p className={`error ${styles.gap}`} role="alert" data-testid="search-error">
          {search.error.message}
        </p>
      ) : (
        <p className={`${styles.meta} ${styles.gap}`} role="status" data-testid="search-status" data-query={answered}>
          {searchStatus({ query, results, filterName, anythingReady: ready.length > 0 })}
        </p>
      )}

      {results?.suggestion && !search.isPlaceholderData && (
        <p className={`${styles.meta} ${styles.gap}`} data-testid="search-suggestion">
          Did you mean{" "}
          <button
            type="button"
            className={`secondary ${styles.small}`}
            onClick={() => {
              setText(results.suggestion ?? "");
              setCutFrom(null);
            }}
            data-testid="search-suggestion-button"
          >
            {results.suggestion}
          </button>
          ?
        </p>
      )}

      {results && results.hits.length > 0 && (
        <ol
          className={styles.hits}
          aria-busy={search.isPlaceholderData}
          aria-label="Search results"
          data-testid="search-results"
        >
          {results.hits.map((hit) => (
            <SearchHitItem key={`${hit.documentId}:${hit.ordinal}`} hit={hit} http={http} />
          ))}
        </ol>
      )}

      {results && (results.page > 1 || results.hasMore) && (
        <nav className={`actions ${styles.pages}`} aria-label="Result pages">
          <button
            type="button"
            className={`secondary ${styles.small}`}
            onClick={() => goTo(results.page - 1)}
            disabled={results.page <= 1 || search.isFetching}
          >
            Previous
          </button>
          <span className={styles.meta}>Page {results.page}</span>
          <button
            type="button"
            className={`secondary ${styles.small}`}
            onClick={() => goTo(results.page + 1)}
            disabled={!results.hasMore || search.isFetching}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
