/**
 * Ingestion as a user gets it: files sent to a worker's POST /documents
 * (the raw body, its name in x-file-name, the user's worker token), then
 * documents.list read until each is ready or failed. The time is the
 * user's: from the first byte sent to the last document seen ready, so it
 * holds the queue's pickup delay as well as extraction and indexing.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

import type { DocumentSummary } from "~/contract/document-summary";
import { FILE_NAME_HEADER, UPLOAD_PATH, type UploadAnswer } from "~/contract/document-routes";
import { queryOnce } from "../tests/support/test-database";
import { percentiles } from "../tooling/percentiles";
import type { CorpusFile } from "./documents-corpus";
import { inParallel } from "./documents-corpus";

/** Uploads in flight at once: a few browser tabs' worth. */
const UPLOAD_CONCURRENCY = 4;
/** How often documents.list is read while waiting. */
const POLL_MS = 100;

export interface IngestRun {
  documents: number;
  /** Wall time, first upload sent → last document ready (or failed). */
  seconds: number;
  /** Of that, sending the files (the uploads' own time). */
  uploadSeconds: number;
  originalBytes: number;
  /** Characters of extracted text stored: the sum of the chunks' lengths. */
  textChars: number;
  chunks: number;
  /** Documents that ended failed, with the reason the worker gave. */
  failed: { name: string; reason: string | null }[];
  /** Per document, seconds from its upload's answer to the first list that showed it ready (or failed). */
  readySeconds: { p50: number; p99: number };
  /** Uploads and documents.list reads the worker refused with 503 and that were sent again (each, its answer). */
  refusals: string[];
}

/** What an upload needs of a file: the corpus's, or any other file a bench sends (the OCR bench's scans). */
export type Upload = Pick<CorpusFile, "path" | "name" | "bytes">;

export async function uploadFile(workerUrl: string, token: string, file: Upload): Promise<DocumentSummary> {
  const body = await readFile(file.path);
  const res = await fetch(`${workerUrl}${UPLOAD_PATH}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/octet-stream",
      [FILE_NAME_HEADER]: encodeURIComponent(file.name),
    },
    body,
  });
  const text = await res.text();
  if (res.status !== 201)
    throw new UploadRefused(
      `upload of ${file.name} (${file.bytes} bytes): HTTP ${res.status} ${text.slice(0, 300)}`,
      res.status,
    );
  return (JSON.parse(text) as UploadAnswer).document;
}

/** How long a worker that has just started may answer uploads with 503 while its job queue connects. */
const QUEUE_CONNECT_MS = 30_000;

/**
 * One small document through `workerUrl`, until it is taken and ingested:
 * a worker connects to its job queue in the background after it is ready
 * (uploads answer 503 until then), which does not belong in a throughput
 * figure, so each worker gets this before a timed run.
 */
export async function warmUp(workerUrl: string, token: string, file: Upload): Promise<void> {
  const deadline = performance.now() + QUEUE_CONNECT_MS;
  for (;;) {
    try {
      const document = await uploadFile(workerUrl, token, file);
      await waitUntilSettled(workerUrl, token, new Set([document.id]), QUEUE_CONNECT_MS);
      return;
    } catch (error) {
      if (!(error instanceof UploadRefused && error.status === 503) || performance.now() > deadline) throw error;
      await sleep(POLL_MS);
    }
  }
}

export class UploadRefused extends Error {
  override name = "UploadRefused";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * documents.list until every one of `ids` is ready or failed; throws after
 * `timeoutMs`. A refused read (a 503 while the worker is busy) is counted
 * and read again, as the page's own polling would: the row reports them.
 */
export async function waitUntilSettled(
  workerUrl: string,
  token: string,
  ids: Set<string>,
  timeoutMs: number,
): Promise<{ settled: DocumentSummary[]; refusals: string[]; settledAt: Map<string, number> }> {
  const deadline = performance.now() + timeoutMs;
  const refusals: string[] = [];
  const settledAt = new Map<string, number>();
  let mine: DocumentSummary[] = [];
  for (;;) {
    const res = await fetch(`${workerUrl}/trpc/documents.list`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.ok)
      mine = (JSON.parse(text) as { result: { data: DocumentSummary[] } }).result.data.filter((document) =>
        ids.has(document.id),
      );
    else refusals.push(`documents.list: HTTP ${res.status} ${text.slice(0, 200)}`);
    const settled = mine.filter((document) => document.status === "ready" || document.status === "failed");
    for (const document of settled) if (!settledAt.has(document.id)) settledAt.set(document.id, performance.now());
    if (settled.length === ids.size) return { settled, refusals, settledAt };
    if (performance.now() > deadline) {
      const pending = mine
        .filter((document) => !settled.includes(document))
        .map((document) => `${document.name} ${document.status} ${document.progress}%`);
      throw new Error(
        `${ids.size - settled.length} documents not ingested after ${timeoutMs / 1000} s: ${pending.join(", ")}${refusals.length ? `; last refusal: ${refusals.at(-1)}` : ""}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * Uploads `files` as the token's user, in turn to each of `workerUrls` (as
 * a load balancer would spread them), and waits until all are ingested.
 */
export async function ingest(
  workerUrls: string[],
  token: string,
  databaseUrl: string,
  files: Upload[],
  timeoutMs: number,
): Promise<IngestRun> {
  const begin = performance.now();
  const uploadedAt = new Map<string, number>();
  const uploadRefusals: string[] = [];
  // A 503 (the worker could not confirm the session while busy) is sent
  // again after a pause, as an upload page that retries would; each is counted.
  const upload = async (workerUrl: string, file: Upload): Promise<DocumentSummary> => {
    for (;;) {
      try {
        return await uploadFile(workerUrl, token, file);
      } catch (error) {
        if (!(error instanceof UploadRefused && error.status === 503) || performance.now() - begin > timeoutMs)
          throw error;
        uploadRefusals.push(error.message.replace(/^upload of .*?: /u, "upload: "));
        await sleep(POLL_MS);
      }
    }
  };
  await inParallel(
    files.map(
      (file, index) => async () =>
        void uploadedAt.set((await upload(workerUrls[index % workerUrls.length]!, file)).id, performance.now()),
    ),
    UPLOAD_CONCURRENCY,
  );
  const uploadSeconds = (performance.now() - begin) / 1000;
  const ids = new Set(uploadedAt.keys());
  const { settled, refusals, settledAt } = await waitUntilSettled(workerUrls[0]!, token, ids, timeoutMs);
  const seconds = (performance.now() - begin) / 1000;

  const [stored] = await queryOnce<{ chars: string | null; chunks: number }>(
    databaseUrl,
    `SELECT sum(length("content"))::bigint AS chars, count(*)::int AS chunks FROM "document_chunk" WHERE "documentId" = ANY($1::text[])`,
    [[...ids]],
  );
  return {
    documents: files.length,
    seconds,
    uploadSeconds,
    originalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    textChars: Number(stored?.chars ?? 0),
    chunks: stored?.chunks ?? 0,
    failed: settled
      .filter((document) => document.status === "failed")
      .map((document) => ({ name: document.name, reason: document.failureReason })),
    readySeconds: percentiles([...ids].map((id) => (settledAt.get(id)! - uploadedAt.get(id)!) / 1000)),
    refusals: [...uploadRefusals, ...refusals],
  };
}
