"use client";

import { useState } from "react";

import { downloadDocument } from "~/worker-client/download-document";
import { errorMessage } from "~/contract/error-message";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import { api } from "~/trpc/react";
import type { DocumentSummary } from "~/contract/document-summary";
import { countOf } from "../count";
import styles from "./documents.module.css";
import {
  failureAdvice,
  formatBytes,
  formatDateTime,
  inProgress,
  kindLabel,
  ocrLabel,
  readingPage,
  readyNotice,
  statusLabel,
  structureLabel,
} from "./format";

export interface DocumentRowProps {
  document: DocumentSummary;
  http: WorkerHttpOptions;
  onDeleted: (id: string) => void;
  /** A mutation's answer: the document's new state. */
  onChanged: (document: DocumentSummary) => void;
}

/** One document: what it is, where its ingestion stands, and what can be done with it. */
export function DocumentRow({ document, http, onDeleted, onChanged }: DocumentRowProps) {
  const [confirming, setConfirming] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const remove = api.documents.delete.useMutation({
    onSuccess: () => onDeleted(document.id),
    onError: (error) => setActionError(error.message),
    onSettled: () => setConfirming(false),
  });
  const retry = api.documents.retry.useMutation({
    onSuccess: onChanged,
    onError: (error) => setActionError(error.message),
  });

  async function download() {
    setActionError(null);
    setDownloading(true);
    try {
      await downloadDocument({ ...http, documentId: document.id, fileName: document.name });
    } catch (error) {
      setActionError(errorMessage(error));
    } finally {
      setDownloading(false);
    }
  }

  const structure = structureLabel(document);
  const advice = failureAdvice(document);
  const reading = readingPage(document);
  const ocr = ocrLabel(document);
  const notice = readyNotice(document);
  const busy = remove.isPending || retry.isPending;
  return (
    <li
      className={styles.item}
      data-testid="document-row"
      data-id={document.id}
      data-name={document.name}
      data-status={document.status}
    >
      <div className={styles.itemHead}>
        <span className={styles.name} data-testid="document-name">
          {document.name}
        </span>
        <span className={styles.status} data-status={document.status} data-testid="document-status">
          {statusLabel(document.status)}
        </span>
      </div>
      <p className={styles.meta}>
        <span data-testid="document-kind">{kindLabel(document.kind)}</span> ·{" "}
        <span data-testid="document-size">{formatBytes(document.sizeBytes)}</span>
        {structure && <> · {structure}</>}
        {document.status === "ready" && (
          <>
            {" "}
            ·{" "}
            <span data-testid="document-chunks" data-count={document.chunkCount}>
              {countOf(document.chunkCount, "chunk")}
            </span>
          </>
        )}
        {" · uploaded "}
        {/* Formatted in the reader's time zone: the server's rendering of it may differ. */}
        <time dateTime={new Date(document.createdAt).toISOString()} suppressHydrationWarning>
          {formatDateTime(document.createdAt)}
        </time>
      </p>
      {inProgress(document.status) && (
        <div className={styles.progressLine}>
          <progress
            data-testid="document-progress"
            max={100}
            value={document.progress}
            aria-label={`${document.name}: ${statusLabel(document.status).toLowerCase()}`}
          />
          <span>{document.progress}%</span>
          {/* After the percentage: its length changes page by page, the percentage stays put. */}
          {reading && <span data-testid="document-reading">Reading {reading}</span>}
        </div>
      )}
      {ocr && (
        <p className={styles.meta} data-testid="document-ocr">
          {ocr}
        </p>
      )}
      {notice && (
        <p className={styles.notice} data-testid="document-notice">
          {notice}
        </p>
      )}
      {document.status === "failed" && (
        <p className="error" data-testid="document-failure-reason">
          {document.failureReason ?? "The worker gave no reason."}
        </p>
      )}
      {advice && (
        <p className={styles.meta} data-testid="document-failure-advice">
          {advice}
        </p>
      )}
      <div className="actions">
        {confirming ? (
          <>
            <span>Delete {document.name} and its search index?</span>
            <button
              type="button"
              className={`${styles.small} ${styles.danger}`}
              onClick={() => {
                setActionError(null);
                remove.mutate({ id: document.id });
              }}
              disabled={busy}
            >
              {remove.isPending ? "Deleting…" : "Yes, delete"}
            </button>
            {/* Focus goes to the harmless choice: the Delete button it replaces is gone. */}
            <button
              type="button"
              className={`secondary ${styles.small}`}
              onClick={() => setConfirming(false)}
              disabled={busy}
              autoFocus
            >
              Keep it
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className={`secondary ${styles.small}`}
              aria-label={`Download original of ${document.name}`}
              onClick={() => void download()}
              disabled={downloading}
            >
              {downloading ? "Downloading…" : "Download original"}
            </button>
            {/* Only where a retry may help: a file that cannot be read fails the same way again. */}
            {document.status === "failed" && document.retryable && (
              <button
                type="button"
                className={`secondary ${styles.small}`}
                aria-label={`Retry ${document.name}`}
                onClick={() => {
                  setActionError(null);
                  retry.mutate({ id: document.id });
                }}
                disabled={busy}
              >
                {retry.isPending ? "Retrying…" : "Retry"}
              </button>
            )}
            <button
              type="button"
              className={`secondary ${styles.small}`}
              aria-label={`Delete ${document.name}`}
              onClick={() => setConfirming(true)}
              disabled={busy}
            >
              Delete
            </button>
          </>
        )}
      </div>
      {actionError && (
        <p className="error" role="alert" data-testid="document-action-error">
          {actionError}
        </p>
      )}
    </li>
  );
}
