"use client";

import type { TRPCClient, TRPCClientError } from "@trpc/client";
import type { Unsubscribable } from "@trpc/server/observable";
import { useEffect, useRef, useState } from "react";

import { workerErrorMessage } from "~/worker-client/worker-client";
import type { DocumentSummary } from "~/contract/document-summary";
import type { WorkerRouter } from "~/contract/worker-router";
import { RETRY_WHILE_FAILING_MS } from "../retry-while-failing";

export type LiveState =
  { state: "connecting"; error: null } | { state: "live"; error: null } | { state: "interrupted"; error: string };

export interface DocumentEventHandlers {
  /** The latest state of one document (apply by id, keeping the newest). */
  onDocument: (document: DocumentSummary) => void;
  /** The stream is open, first or again: anything missed meanwhile (a deletion, say) is only in a fresh list. */
  onConnected: () => void;
}

/**
 * The user's documents as they change, from the worker's `documents.events`
 * stream (SSE), straight from the browser. The link reconnects on its own
 * after a dropped connection or an expired token
 * (src/worker-client/subscription-link.ts); when it gives up, or the stream
 * ends, it is opened again after a pause.
 */
export function useDocumentEvents(
  worker: TRPCClient<WorkerRouter>,
  workerUrl: string,
  handlers: DocumentEventHandlers,
): LiveState {
  const [live, setLive] = useState<LiveState>({ state: "connecting", error: null });
  // The handlers change every render; the stream must not be reopened for that.
  const current = useRef(handlers);
  useEffect(() => {
    current.current = handlers;
  });

  useEffect(() => {
    let unmounted = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let close = () => {
      // Nothing is open until the first open().
    };

    const open = () => {
      // Set when this stream is over, so that its error and completion
      // (and the completion our own unsubscribe causes) reopen it once.
      let over = false;
      // Filled in when subscribe returns, which may be after the stream failed.
      const stream: { subscription?: Unsubscribable } = {};
      const reopenLater = (error: unknown) => {
        if (over || unmounted) return;
        over = true;
        stream.subscription?.unsubscribe();
        setLive(
          error === undefined
            ? { state: "connecting", error: null }
            : { state: "interrupted", error: workerErrorMessage(error, workerUrl) },
        );
        retry = setTimeout(open, RETRY_WHILE_FAILING_MS);
      };
      stream.subscription = worker.documents.events.subscribe(
        { lastEventId: null },
        {
          onConnectionStateChange: (connection) => {
            if (connection.state === "pending") {
              setLive({ state: "live", error: null });
              current.current.onConnected();
            } else if (connection.state === "connecting" && connection.error) {
              setLive({ state: "interrupted", error: reconnectReason(connection.error, workerUrl) });
            }
          },
          onData: (event) => current.current.onDocument(event.data),
          onError: (error) => reopenLater(error),
          onComplete: () => reopenLater(undefined),
        },
      );
      // It failed before subscribe returned: reopenLater could not close it.
      if (over) stream.subscription.unsubscribe();
      close = () => {
        over = true;
        stream.subscription?.unsubscribe();
      };
    };

    open();
    return () => {
      unmounted = true;
      clearTimeout(retry);
      close();
    };
  }, [worker, workerUrl]);

  return live;
}

/**
 * Why the link is reconnecting: the worker's refusal if it sent one; else
 * the connection dropped, and a browser's EventSource says no more than that.
 */
function reconnectReason(error: TRPCClientError<WorkerRouter>, workerUrl: string): string {
  return error.data ? workerErrorMessage(error, workerUrl) : "the connection to the worker dropped. Reconnecting…";
}
