import { createTRPCClient, httpBatchLink, httpLink, retryLink, TRPCClientError } from "@trpc/client";
import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";

import type { WorkerRouter } from "~/worker/router";
import { newRequestId, REQUEST_ID_HEADER } from "./request-id";
import type { TokenCache } from "./token-cache";
import type { WorkerToken } from "./worker-token-contract";

export interface WorkerClientOptions {
  /** The worker's base URL (WORKER_URL on the server, NEXT_PUBLIC_WORKER_URL in the browser). */
  url: string;
  tokens: TokenCache;
  /** The session the tokens belong to. */
  sessionId: string;
  /** Gets a fresh token when the cache has none fit for use. */
  mint: (requestId: string) => Promise<WorkerToken>;
  /** The id of the user action this call belongs to; a new one per request when omitted. */
  requestId?: string;
  /** Abort a call after this long; the worker answers in milliseconds. */
  timeoutMs?: number;
  /**
   * Batch calls made in the same tick into one request (httpBatchLink). The
   * batch window is a timer, at least 1 ms in Node: worth it in a browser
   * that fires several queries at once, not on the server, where a web
   * request makes one worker call (measured: 1.7 ms vs 0.5 ms per call).
   */
  batch?: boolean;
}

/**
 * A typed client for the worker, the same on the server and in the browser
 * (`createTRPCClient<WorkerRouter>`):
 * each request carries `Authorization: Bearer` from the token cache and the
 * action's `x-request-id`. When the worker answers 401 the cached token is
 * dropped and the call retried once with a freshly minted one (the key may
 * have rotated, or the token been revoked).
 */
export function createWorkerClient(options: WorkerClientOptions) {
  const { url, tokens, sessionId, mint, timeoutMs = 10_000, batch = true } = options;
  const transport = batch ? httpBatchLink : httpLink;
  return createTRPCClient<WorkerRouter>({
    links: [
      retryLink({
        retry({ error, attempts }) {
          if (attempts > 1 || error.data?.code !== "UNAUTHORIZED") return false;
          tokens.drop(sessionId);
          return true;
        },
      }),
      transport({
        url: `${url.replace(/\/+$/, "")}/trpc`,
        async headers() {
          const requestId = options.requestId ?? newRequestId();
          const { token } = await tokens.get(sessionId, () => mint(requestId));
          return { authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId };
        },
        fetch: (input, init) => {
          const timeout = AbortSignal.timeout(timeoutMs);
          return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
        },
      }),
    ],
  });
}

/** A failed worker call as a person should read it, with the tRPC code that fits. */
export interface WorkerFailure {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

/**
 * What went wrong in a worker call, the same words on the server (the web
 * tier's error to the dashboard) and in the browser (the direct panel).
 * Undefined when the call never reached the worker because getting a token
 * failed: that error (e.g. the session ended) speaks for itself.
 */
export function explainWorkerFailure(error: unknown, workerUrl: string): WorkerFailure | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  if (isWorkerUnreachable(error)) {
    return { code: "SERVICE_UNAVAILABLE", message: `Worker unavailable: nothing answered at ${workerUrl}. Is the worker running?` };
  }
  const data = (error as TRPCClientError<WorkerRouter>).data;
  if (!data && (error.cause instanceof TRPCError || error.cause instanceof TRPCClientError)) return undefined;
  switch (data?.code) {
    case "PAYLOAD_TOO_LARGE":
      // The worker's message is tRPC's bare code name: say it for a person.
      return { code: data.code, message: "This is more than the worker accepts in one request: send less at once." };
    case "BAD_REQUEST": {
      // The caller's input: the worker's words are meant for them.
      const issues: string[] = data.zodError
        ? [...data.zodError.formErrors, ...Object.values<string[] | undefined>(data.zodError.fieldErrors).flatMap((list) => list ?? [])]
        : [];
      return { code: data.code, message: issues[0] ?? error.message };
    }
    case "UNAUTHORIZED":
      // Still refused after a fresh token: the two tiers disagree on keys,
      // issuer or audience. A configuration fault, not the user's.
      return {
        code: "BAD_GATEWAY",
        message: `The worker refused this app's token (${data.reason ?? "unknown reason"}): check BETTER_AUTH_URL and the worker's key settings.`,
      };
    case "SERVICE_UNAVAILABLE":
      return { code: "SERVICE_UNAVAILABLE", message: `Worker unavailable: ${error.message}` };
    default:
      return { code: "BAD_GATEWAY", message: `The worker failed: ${error.message}` };
  }
}

/** The worker could not be reached at all (down, wrong URL, timed out). */
function isWorkerUnreachable(error: TRPCClientError<WorkerRouter>): boolean {
  return error.data === undefined && isNetworkFailure(error.cause);
}

function isNetworkFailure(cause: unknown): boolean {
  // fetch rejects with a TypeError when nothing answers, an AbortError or
  // TimeoutError (DOMException) when the timeout fires.
  return cause instanceof TypeError || (cause instanceof Error && (cause.name === "AbortError" || cause.name === "TimeoutError"));
}
