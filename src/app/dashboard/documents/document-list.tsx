"use client";

import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import type { DocumentSummary } from "~/contract/document-summary";
import { DocumentRow } from "./document-row";
import styles from "./documents.module.css";

export interface DocumentListProps {
  /** Undefined until the first list has arrived. */
  documents: readonly DocumentSummary[] | undefined;
  /** The list could not be read: the section says why, there is nothing to wait for here. */
  failed: boolean;
  http: WorkerHttpOptions;
  onDeleted: (id: string) => void;
  onChanged: (document: DocumentSummary) => void;
}

/** The user's documents, newest first. */
export function DocumentList({ documents, failed, http, onDeleted, onChanged }: DocumentListProps) {
  if (!documents) return failed ? null : <p className="muted">Loading your documents…</p>;
  if (!documents.length) {
    return (
      <p className="muted" data-testid="documents-empty">
        No documents yet. Upload one and it will be searchable as soon as it is indexed.
      </p>
    );
  }
  return (
    <ul className={styles.items} aria-label="Your documents" data-testid="document-list">
      {documents.map((document) => (
        <DocumentRow key={document.id} document={document} http={http} onDeleted={onDeleted} onChanged={onChanged} />
      ))}
    </ul>
  );
}
