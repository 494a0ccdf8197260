import { Fragment } from "react";

import type { SnippetSegment } from "~/contract/search-results";

/**
 * A search hit's snippet: the worker sends plain-text segments, matched or
 * not, and each becomes a text node (in a <mark> when it matched). Nothing
 * from a document is ever parsed as markup.
 */
export function SearchSnippet({ segments }: { segments: readonly SnippetSegment[] }) {
  return (
    <>
      {segments.map((segment, index) =>
        segment.match ? <mark key={index}>{segment.text}</mark> : <Fragment key={index}>{segment.text}</Fragment>,
      )}
    </>
  );
}
