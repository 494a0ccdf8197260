"use client";

import { useEffect, useRef, useState, type DragEvent } from "react";

import { errorMessage } from "~/contract/error-message";
import { oversizeMessage, uploadDocument } from "~/worker-client/upload-document";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import { MAX_UPLOADS_IN_FLIGHT_PER_USER, type DocumentLimits } from "~/contract/document-limits";
import type { DocumentSummary } from "~/contract/document-summary";
import styles from "./documents.module.css";
import { formatBytes } from "./format";
import { UPLOAD_ACCEPT, UPLOAD_FORMATS } from "./upload-formats";
import { uploadProgressLabel } from "./upload-progress";

interface UploadItem {
  key: number;
  name: string;
  size: number;
  loaded: number;
  /** Sent to the worker; false while it waits for a free slot. */
  started: boolean;
  error: string | null;
}

export interface UploadZoneProps {
  http: WorkerHttpOptions;
  /** Unknown until the worker said: the worker then refuses an oversized file itself. */
  limits: DocumentLimits | undefined;
  /** The worker took the file: from here on it is a row of the list. */
  onUploaded: (document: DocumentSummary) => void;
}

/**
 * Files chosen with the picker or dropped on the zone, each sent to the
 * worker on its own with a progress bar, as many at a time as the worker
 * takes from one user (the rest wait their turn, and say so); a file over the
 * limit is refused before a byte leaves. Done, an upload leaves this list for the documents
 * list; refused, it stays with the reason until dismissed.
 */
export function UploadZone({ http, limits, onUploaded }: UploadZoneProps) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const nextKey = useRef(0);
  const inFlight = useRef(new Map<number, AbortController>());
  const waiting = useRef<{ file: File; key: number }[]>([]);

  useEffect(() => {
    const uploads = inFlight.current;
    return () => {
      for (const controller of uploads.values()) controller.abort();
    };
  }, []);

  const update = (key: number, change: Partial<UploadItem>) =>
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  const remove = (key: number) => setItems((list) => list.filter((item) => item.key !== key));

  async function start(file: File, key: number) {
    const controller = new AbortController();
    inFlight.current.set(key, controller);
    update(key, { started: true });
    try {
      const document = await uploadDocument({
        ...http,
        file,
        signal: controller.signal,
        onProgress: ({ loaded }) => update(key, { loaded }),
      });
      onUploaded(document);
      remove(key);
    } catch (error) {
      if (controller.signal.aborted) remove(key);
      else update(key, { error: errorMessage(error) });
    } finally {
      inFlight.current.delete(key);
      startWaiting();
    }
  }

  function startWaiting() {
    while (inFlight.current.size < MAX_UPLOADS_IN_FLIGHT_PER_USER && waiting.current.length > 0) {
      const next = waiting.current.shift()!;
      void start(next.file, next.key);
    }
  }

  function add(files: FileList | null) {
    if (!files?.length) return;
    const added = Array.from(files, (file) => ({
      file,
      item: {
        key: nextKey.current++,
        name: file.name,
        size: file.size,
        loaded: 0,
        started: false,
        error: oversizeMessage(file, limits),
      },
    }));
    setItems((list) => [...list, ...added.map(({ item }) => item)]);
    for (const { file, item } of added) if (!item.error) waiting.current.push({ file, key: item.key });
    startWaiting();
  }

  /** A waiting upload has no request to abort: it leaves the queue instead. */
  function cancel(key: number) {
    const controller = inFlight.current.get(key);
    if (controller) return controller.abort();
    waiting.current = waiting.current.filter((upload) => upload.key !== key);
    remove(key);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    add(event.dataTransfer.files);
  }

  return (
    <>
      <div
        className={styles.dropZone}
        data-testid="upload-drop-zone"
        data-dragging={dragging}
        onDragOver={(event) => {
          // Without this the browser opens the dropped file instead.
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label>
          Upload documents
          <input
            className={styles.fileInput}
            type="file"
            multiple
            accept={UPLOAD_ACCEPT}
            data-testid="upload-input"
            onChange={(event) => {
              add(event.currentTarget.files);
              // The same file may be chosen again (after a failure, say).
              event.currentTarget.value = "";
            }}
          />
        </label>
        <p className={styles.meta}>
          or drop files here. {UPLOAD_FORMATS}
          {limits ? `, up to ${formatBytes(limits.maxUploadBytes)} each` : ""}.
        </p>
      </div>
      {items.length > 0 && (
        <ul className={`${styles.items} ${styles.uploads}`} aria-label="Uploads">
          {items.map((item) => (
            <li key={item.key} className={styles.item} data-testid="upload-item" data-name={item.name}>
              <div className={styles.itemHead}>
                <span className={styles.name}>{item.name}</span>
                <span className={styles.meta}>{formatBytes(item.size)}</span>
              </div>
              {item.error ? (
                <p className="error" role="alert" data-testid="upload-error">
                  {item.error}
                </p>
              ) : (
                <div className={styles.progressLine}>
                  {/* Without a value while it waits: an indeterminate bar, not an empty one. */}
                  <progress
                    data-testid="upload-progress"
                    max={Math.max(item.size, 1)}
                    value={item.started ? item.loaded : undefined}
                    aria-label={`${item.started ? "Uploading" : "Waiting to upload"} ${item.name}`}
                  />
                  <span data-testid="upload-progress-label" data-started={item.started}>
                    {uploadProgressLabel(item)}
                  </span>
                </div>
              )}
              <div className="actions">
                <button
                  type="button"
                  className={`secondary ${styles.small}`}
                  aria-label={`${item.error ? "Dismiss" : "Cancel uploading"} ${item.name}`}
                  onClick={() => (item.error ? remove(item.key) : cancel(item.key))}
                >
                  {item.error ? "Dismiss" : "Cancel upload"}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
