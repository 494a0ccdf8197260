/**
 * Uploads a file straight from the browser to the worker (`POST /documents`,
 * src/worker/documents/upload.ts): the body is the file itself, its name in
 * a percent-encoded header. XMLHttpRequest rather than fetch because only it
 * reports upload progress.
 */
import { BUSY_RETRY_AFTER_SECONDS, tooLargeMessage, type DocumentLimits } from "~/contract/document-limits";
import { FILE_NAME_HEADER, UPLOAD_PATH, type UploadAnswer } from "~/contract/document-routes";
import type { DocumentSummary } from "~/contract/document-summary";
import { refusalError, unreachable, withWorkerToken, WorkerHttpError, type WorkerHttpOptions } from "./worker-http";
import { workerRoute } from "./worker-route";

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadDocumentOptions extends WorkerHttpOptions {
  file: File;
  /** Bytes sent so far; starts again from 0 if the upload is sent a second time with a fresh token. */
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting it stops the upload: the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * The document the worker made of the file, queued for ingestion. Rejects
 * with a WorkerHttpError whose message says why the worker refused (too
 * large, a type it cannot read, a quota, a bad name) or that nothing
 * answered; with the mint's own error if no token could be had (the session
 * ended); with an AbortError when `signal` aborted it.
 */
export async function uploadDocument(options: UploadDocumentOptions): Promise<DocumentSummary> {
  let answer = await withWorkerToken(options, (headers) => send(options, headers));
  // The worker takes a few uploads at a time (each holds a database
  // connection while its body arrives) and answers the next one "busy": it
  // is sent again, as many times as a minute's worth of waits allows.
  for (let waited = 0; isBusy(answer) && waited < BUSY_PATIENCE_MS;) {
    const wait = BUSY_RETRY_AFTER_SECONDS * 1000 * (0.5 + Math.random());
    await sleep(wait, options.signal);
    waited += wait;
    options.onProgress?.({ loaded: 0, total: options.file.size });
    answer = await withWorkerToken(options, (headers) => send(options, headers));
  }
  if (answer.status === 201) {
    const body = parseAnswer(answer.body);
    if (body) return body.document;
  }
  if (answer.status >= 400) throw refusalError(answer.status, answer.body);
  throw new WorkerHttpError(
    { code: "BAD_GATEWAY", message: "The worker's answer to the upload could not be read." },
    null,
    answer.status,
  );
}

/**
 * Refused before a byte is sent, in the worker's words (upload.ts), when the
 * file is over the upload limit; null when it may go.
 */
export function oversizeMessage(
  file: { size: number },
  limits: Pick<DocumentLimits, "maxUploadBytes"> | undefined,
): string | null {
  if (!limits || file.size <= limits.maxUploadBytes) return null;
  return tooLargeMessage(limits.maxUploadBytes);
}

const BUSY_PATIENCE_MS = 60_000;

function isBusy(answer: RawAnswer): boolean {
  return answer.status === 503 && refusalError(answer.status, answer.body).reason === "busy";
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new DOMException("The upload was cancelled.", "AbortError"));
      },
      { once: true },
    );
  });
}

interface RawAnswer {
  status: number;
  body: string;
}

function send(
  { workerUrl, file, onProgress, signal }: UploadDocumentOptions,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    const settle = () => signal?.removeEventListener("abort", abort);
    xhr.open("POST", workerRoute(workerUrl, UPLOAD_PATH));
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader(FILE_NAME_HEADER, encodeURIComponent(file.name));
    // The worker tells the type from the bytes; the browser's guess from the extension is not sent.
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    });
    xhr.addEventListener("load", () => {
      settle();
      resolve({ status: xhr.status, body: xhr.responseText });
    });
    xhr.addEventListener("error", () => {
      settle();
      reject(unreachable(workerUrl));
    });
    xhr.addEventListener("abort", () => {
      settle();
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    });
    signal?.addEventListener("abort", abort, { once: true });
    onProgress?.({ loaded: 0, total: file.size });
    xhr.send(file);
  });
}

function parseAnswer(body: string): UploadAnswer | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<UploadAnswer> | null;
    return parsed?.document ? (parsed as UploadAnswer) : undefined;
  } catch {
    return undefined;
  }
}
