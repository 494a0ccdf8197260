"use client";

import { useQueryClient } from "@tanstack/react-query";
import { getQueryKey } from "@trpc/react-query";
import { useCallback, useRef } from "react";

import { api } from "~/trpc/react";
import { useWorkerClient, useWorkerHttp } from "~/trpc/worker";
import type { DocumentSummary } from "~/contract/document-summary";
import { RETRY_WHILE_FAILING_MS, refetchWhileFailing } from "../retry-while-failing";
import { DocumentList } from "./document-list";
import { DocumentSearch } from "./document-search";
import { mergeFetched, upsertDocument, withoutDocument } from "./documents-cache";
import styles from "./documents.module.css";
import { dropDeletedFromSearches } from "./search-cache";
import type { InitialDocuments } from "./load-documents";
import { useStatusAnnouncement } from "./status-announcement";
import { UploadZone } from "./upload-zone";
import { useDocumentEvents, type LiveState } from "./use-document-events";

export interface DocumentsSectionProps {
  workerUrl: string;
  sessionId: string;
  /** The list the page rendered with, or why the worker could not give it. */
  initial: InitialDocuments;
}

/**
 * The user's documents: upload, the list kept live by the worker's event
 * stream, and search. Calls that read or change documents go through the web
 * tier (api.documents.*); the file bytes and the event stream go straight to
 * the worker, with this tab's worker token.
 */
export function DocumentsSection({ workerUrl, sessionId, initial }: DocumentsSectionProps) {
  const utils = api.useUtils();
  const queryClient = useQueryClient();
  const http = useWorkerHttp(workerUrl, sessionId);
  const worker = useWorkerClient(workerUrl, sessionId);

  const list = api.documents.list.useQuery(undefined, {
    initialData: initial.documents ?? undefined,
    retry: false,
    refetchInterval: refetchWhileFailing,
    // A refetch that left before an event arrived must not undo it.
    structuralSharing: (shown, fetched) =>
      mergeFetched(shown as DocumentSummary[] | undefined, fetched as DocumentSummary[]),
  });
  const limits = api.documents.limits.useQuery(undefined, {
    staleTime: Infinity,
    retry: false,
    refetchInterval: refetchWhileFailing,
  });

  // Deleted here: an event about one already in flight must not bring it back.
  const deleted = useRef(new Set<string>());

  const apply = useCallback(
    (document: DocumentSummary) => {
      if (deleted.current.has(document.id)) return;
      let becameReady = false;
      utils.documents.list.setData(undefined, (shown) => {
        const next = upsertDocument(shown ?? [], document);
        becameReady =
          next !== shown && document.status === "ready" && shown?.find((d) => d.id === document.id)?.status !== "ready";
        return next;
      });
      // Newly searchable: results on screen may now be missing it.
      if (becameReady) void utils.documents.search.invalidate();
    },
    [utils],
  );

  const onDeleted = useCallback(
    (id: string) => {
      deleted.current.add(id);
      utils.documents.list.setData(undefined, (shown) => shown && withoutDocument(shown, id));
      // Out of every cached result first: a cached page shown again must not
      // show its hits while the refetch runs.
      dropDeletedFromSearches(queryClient, getQueryKey(api.documents.search, undefined, "query"), id);
      void utils.documents.search.invalidate();
    },
    [utils, queryClient],
  );

  const live = useDocumentEvents(worker, workerUrl, {
    onDocument: apply,
    // Whatever happened while the stream was closed (deletions included) is in a fresh list.
    onConnected: () => void utils.documents.list.invalidate(),
  });

  const documents = list.data;
  const announcement = useStatusAnnouncement(documents);
  // Until the browser's own first read settles, the page's reason stands.
  const listError = list.error?.message ?? (list.isPending ? initial.error : null);

  return (
    <>
      <section className="card" aria-labelledby="documents-heading" data-testid="documents">
        <div className={styles.header}>
          <h2 id="documents-heading">Documents</h2>
          <LiveIndicator live={live} />
        </div>
        {listError && (
          <p className="error" role="alert" data-testid="documents-error">
            {listError} Trying again every {RETRY_WHILE_FAILING_MS / 1000} s.
          </p>
        )}
        <UploadZone http={http} limits={limits.data} onUploaded={apply} />
        <DocumentList
          documents={documents}
          failed={listError !== null}
          http={http}
          onDeleted={onDeleted}
          onChanged={apply}
        />
        <p className={styles.visuallyHidden} role="status" aria-live="polite" data-testid="documents-announcement">
          {announcement}
        </p>
      </section>
      <DocumentSearch documents={documents} http={http} />
    </>
  );
}

function LiveIndicator({ live }: { live: LiveState }) {
  const text =
    live.state === "live" ? "Live" : live.state === "connecting" ? "Connecting…" : `Live updates paused: ${live.error}`;
  return (
    <span className={styles.live} data-state={live.state} data-testid="documents-live">
      {text}
    </span>
  );
}
