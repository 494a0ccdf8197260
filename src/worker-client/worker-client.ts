import { createTRPCClient, httpBatchLink, httpLink, splitLink, TRPCClientError } from "@trpc/client";
import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";

import { errorMessage } from "~/contract/error-message";
import { newRequestId } from "~/contract/request-id";
import type { WorkerRouter } from "~/contract/worker-router";

import { workerSubscriptionLink } from "./subscription-link";
import { sendWithToken, type WorkerCredentials } from "./token-retry";
import { workerRoute } from "./worker-route";

export interface WorkerClientOptions extends WorkerCredentials {
  /** The worker's base URL (WORKER_URL on the server, NEXT_PUBLIC_WORKER_URL in the browser). */
  url: string;
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
 * action's `x-request-id`, and a 401 is retried once with a fresh token
 * (token-retry.ts, the policy every transport of this folder follows).
 * Subscriptions go over SSE (subscription-link.ts), with the same token cache.
 */
export function createWorkerClient(options: WorkerClientOptions) {
  const { url, tokens, sessionId, mint, timeoutMs = 10_000, batch = true } = options;
  const credentials = { tokens, sessionId, mint };
  const transport = batch ? httpBatchLink : httpLink;
  return createTRPCClient<WorkerRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: workerSubscriptionLink({ url, ...credentials, requestId: options.requestId }),
        false: transport({
          url: workerRoute(url, "/trpc"),
          fetch: (input, init) =>
            sendWithToken(credentials, options.requestId ?? newRequestId(), async (headers) => {
              const timeout = AbortSignal.timeout(timeoutMs);
              const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
              try {
                return await fetch(input, {
                  ...init,
                  headers: { ...(init?.headers as Record<string, string> | undefined), ...headers },
                  signal,
                });
              } catch (cause) {
                throw new WorkerUnreachable(cause);
              }
            }),
        }),
      }),
    ],
  });
}

/**
 * fetch itself failed: nothing answered at the worker's URL, or the timeout
 * fired. Marked where fetch is called because the error alone cannot tell:
 * fetch rejects with a TypeError, and so does JSON.stringify on input it
 * cannot encode, before any request leaves.
 */
export class WorkerUnreachable extends Error {
  override name = "WorkerUnreachable";
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** A failed worker call as a person should read it, with the tRPC code that fits. */
export interface WorkerFailure {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

/**
 * What went wrong in a worker call, the same words on the server (the web
 * tier's error to the dashboard) and in the browser (the direct panel).
 * `publicUrl` is named in the message when nothing answered: pass only a URL
 * the reader may see (the browser's own NEXT_PUBLIC_WORKER_URL), never the
 * server's WORKER_URL, an internal address.
 * Undefined when the call never reached the worker because getting a token
 * failed: that error (e.g. the session ended) speaks for itself.
 */
export function explainWorkerFailure(error: unknown, publicUrl?: string): WorkerFailure | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = (error as TRPCClientError<WorkerRouter>).data;
  if (!data) {
    const cause: unknown = error.cause;
    if (isNetworkFailure(cause)) return workerUnavailable(publicUrl);
    if (cause instanceof TRPCError || cause instanceof TRPCClientError) return undefined;
    // The worker's answer is no tRPC JSON (a proxy's error page, say).
    if (cause instanceof SyntaxError) return { code: "BAD_GATEWAY", message: "The worker's answer could not be read." };
    // JSON.stringify refused the input (a cycle, a BigInt, too deep): it
    // never left this process, and it is the caller's to fix.
    if (cause instanceof TypeError || cause instanceof RangeError) {
      return {
        code: "BAD_REQUEST",
        message: `This input cannot be sent to the worker (${cause.message.split("\n", 1)[0]}).`,
      };
    }
  }
  return explainWorkerAnswer({
    code: data?.code,
    message: error.message,
    reason: data?.reason,
    zodError: data?.zodError,
  });
}

/** What a failed call says to a person: a worker failure explained, anything else (a failed mint, say) in its own words. */
export function workerErrorMessage(error: unknown, publicUrl?: string): string {
  return explainWorkerFailure(error, publicUrl)?.message ?? errorMessage(error);
}

/** Nothing answered at the worker's URL (or not in time); `publicUrl` as in explainWorkerFailure. */
export function workerUnavailable(publicUrl?: string): WorkerFailure {
  const where = publicUrl ? ` at ${publicUrl}` : "";
  return {
    code: "SERVICE_UNAVAILABLE",
    message: `The worker is unavailable: nothing answered${where}. Is it running?`,
  };
}

/**
 * A refusal the worker sent, as a tRPC error's data or as the body of one of
 * its plain HTTP routes (uploads, downloads: `{ error: { code, message,
 * reason } }`), which speak the same codes.
 */
export interface WorkerRefusal {
  code?: TRPC_ERROR_CODE_KEY | undefined;
  message: string;
  reason?: string | null | undefined;
  zodError?: FlattenedIssues | null | undefined;
}

export function explainWorkerAnswer({ code, message, reason, zodError }: WorkerRefusal): WorkerFailure {
  switch (code) {
    case "PAYLOAD_TOO_LARGE":
      // A refusal with a reason (an upload's) names the limit; tRPC's own
      // message is its bare code name: say it for a person.
      return {
        code,
        message: reason ? message : "This is more than the worker accepts in one request: send less at once.",
      };
    case "BAD_REQUEST":
      // The caller's input: the worker's words are meant for them.
      return { code, message: (zodError && firstIssue(zodError)) ?? message };
    case "NOT_FOUND":
    case "CONFLICT":
    case "FORBIDDEN":
    case "UNSUPPORTED_MEDIA_TYPE":
      // What the caller asked for cannot be done (no such document, a quota,
      // a file type): the worker says why, in words meant for them.
      return { code, message };
    case "UNAUTHORIZED":
      // The session ended between the mint and the call (signed out in
      // another tab, revoked): the user's to act on, by signing in again.
      if (reason === "revoked") return { code: "UNAUTHORIZED", message: "Your session has ended. Sign in again." };
      // Still refused after a fresh token: the two tiers disagree on keys,
      // issuer or audience. A configuration fault, not the user's.
      return {
        code: "BAD_GATEWAY",
        message: `The worker refused this app's token (${reason ?? "unknown reason"}): check BETTER_AUTH_URL and the worker's key settings.`,
      };
    case "SERVICE_UNAVAILABLE":
      return { code: "SERVICE_UNAVAILABLE", message: `The worker is unavailable: ${message}` };
    default:
      return { code: "BAD_GATEWAY", message: `The worker failed: ${message}` };
  }
}

/** Zod's issues as z.flattenError gives them (both tiers' errorFormatter send this shape). */
export interface FlattenedIssues {
  formErrors: string[];
  fieldErrors: Record<string, string[] | undefined>;
}

/** The first validation message, the one to show a person. */
export function firstIssue({ formErrors, fieldErrors }: FlattenedIssues): string | undefined {
  return [...formErrors, ...Object.values(fieldErrors).flatMap((list) => list ?? [])][0];
}

function isNetworkFailure(cause: unknown): boolean {
  // An abort raised before fetch was called (the caller gave up) counts too.
  return (
    cause instanceof WorkerUnreachable ||
    (cause instanceof Error && (cause.name === "AbortError" || cause.name === "TimeoutError"))
  );
}
