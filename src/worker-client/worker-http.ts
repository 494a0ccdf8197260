/**
 * The browser's side of the worker's plain HTTP routes (uploads, downloads, page images):
 * the same token cache and the same one retry on a 401 as the typed client
 * (token-retry.ts), and refusals put into the same words, since the routes
 * answer with the codes and messages its tRPC calls use
 * (`{ error: { code, message, reason } }`, src/contract/http-error-body.ts).
 */
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

import type { HttpErrorBody } from "~/contract/http-error-body";
import { newRequestId } from "~/contract/request-id";

import { sendWithToken, type WorkerCredentials } from "./token-retry";
import { explainWorkerAnswer, workerUnavailable, type WorkerFailure } from "./worker-client";
import { workerRoute } from "./worker-route";

export interface WorkerHttpOptions extends WorkerCredentials {
  /** The worker's base URL as the browser reaches it (it may appear in messages). */
  workerUrl: string;
}

/** A worker route refused, or nothing answered: `message` is for a person, `reason` (the worker's) for code. */
export class WorkerHttpError extends Error {
  override name = "WorkerHttpError";
  readonly code: WorkerFailure["code"];
  constructor(
    failure: WorkerFailure,
    /** The worker's machine-readable reason (`too_large`, `quota_storage`, a token's `expired`…), when it gave one. */
    readonly reason: string | null = null,
    /** The HTTP status; null when nothing answered. */
    readonly status: number | null = null,
  ) {
    super(failure.message);
    this.code = failure.code;
  }
}

/** Sends one request of a new user action under the worker client's token policy (token-retry.ts). */
export function withWorkerToken<Answer extends { status: number }>(
  options: WorkerHttpOptions,
  send: (headers: Record<string, string>) => Promise<Answer>,
): Promise<Answer> {
  return sendWithToken(options, newRequestId(), send);
}

export interface GetWorkerBlobOptions {
  /** Aborting it stops the request: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** What to tell the user when the answer stops short (the worker stopped, the file went meanwhile). */
  brokeOff: string;
}

/**
 * GETs `path` on the worker and reads the answer whole, for a route an
 * element cannot call itself (a link or an <img> cannot carry the
 * Authorization header). Rejects with a WorkerHttpError that says why in
 * words: the worker's refusal, nothing answered, the answer broken off.
 */
export async function getWorkerBlob(
  options: WorkerHttpOptions,
  path: string,
  { signal, brokeOff }: GetWorkerBlobOptions,
): Promise<Blob> {
  const { workerUrl } = options;
  const url = workerRoute(workerUrl, path);
  const response = await withWorkerToken(options, async (headers) => {
    try {
      return await fetch(url, { headers, cache: "no-store", signal });
    } catch {
      signal?.throwIfAborted();
      throw unreachable(workerUrl);
    }
  });
  if (!response.ok) throw refusalError(response.status, await response.text());
  try {
    return await response.blob();
  } catch {
    signal?.throwIfAborted();
    throw new WorkerHttpError({ code: "BAD_GATEWAY", message: brokeOff }, null, response.status);
  }
}

/** The error for a refusal (status ≥ 400) of one of the worker's routes, from the body it came with. */
export function refusalError(status: number, body: string): WorkerHttpError {
  const refusal = errorBodyOf(body);
  if (refusal) return new WorkerHttpError(explainWorkerAnswer(refusal), refusal.reason, status);
  // No answer of the worker's own: a proxy in front of it refused or failed.
  if (status === 413)
    return new WorkerHttpError(explainWorkerAnswer({ code: "PAYLOAD_TOO_LARGE", message: "" }), null, status);
  return new WorkerHttpError(
    { code: "BAD_GATEWAY", message: `The worker's answer could not be read (HTTP ${status}).` },
    null,
    status,
  );
}

/** Nothing answered at `workerUrl` (refused, reset, or a CORS failure, which browsers do not tell apart). */
export function unreachable(workerUrl: string): WorkerHttpError {
  return new WorkerHttpError(workerUnavailable(workerUrl));
}

function errorBodyOf(body: string): HttpErrorBody<TRPC_ERROR_CODE_KEY>["error"] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as Partial<HttpErrorBody<TRPC_ERROR_CODE_KEY>> | null)?.error;
  return typeof error?.message === "string" && typeof error.code === "string" ? error : undefined;
}
