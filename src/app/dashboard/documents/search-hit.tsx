"use client";

import type { SearchHit } from "~/contract/search-results";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import styles from "./documents.module.css";
import { kindLabel, ocrHitLabel } from "./format";
import { PageThumbnail } from "./page-thumbnail";
import { SearchSnippet } from "./search-snippet";

/** Where in its document a hit is. */
function placeOf(hit: SearchHit): string {
  if (hit.page !== null) return `page ${hit.page}`;
  if (hit.section) return `section “${hit.section}”`;
  return kindLabel(hit.kind);
}

/**
 * One search hit: its document, where in it, its snippet; on a page OCR read,
 * how sure the recogniser was there and the page's image beside it.
 */
export function SearchHitItem({ hit, http }: { hit: SearchHit; http: WorkerHttpOptions }) {
  const ocrPage = hit.ocrConfidence !== null && hit.page !== null ? hit.page : null;
  return (
    <li
      className={ocrPage !== null ? styles.hitWithImage : undefined}
      data-testid="search-hit"
      data-document-id={hit.documentId}
      data-document-name={hit.documentName}
    >
      {ocrPage !== null && (
        <PageThumbnail http={http} documentId={hit.documentId} documentName={hit.documentName} page={ocrPage} />
      )}
      <div>
        <p className={styles.hitSource}>
          <span className={styles.name} data-testid="search-hit-document">
            {hit.documentName}
          </span>
          <span className={styles.meta} data-testid="search-hit-place">
            {placeOf(hit)}
          </span>
          {hit.ocrConfidence !== null && (
            <span className={styles.meta} data-testid="search-hit-ocr">
              {ocrHitLabel(hit.ocrConfidence)}
            </span>
          )}
        </p>
        <p className={styles.snippet} data-testid="search-snippet">
          <SearchSnippet segments={hit.snippet} />
        </p>
      </div>
    </li>
  );
}
