import "server-only";

import { TRPCClientError } from "@trpc/client";
import { TRPCError } from "@trpc/server";

import { env } from "~/env";
import { createWorkerClient, isWorkerUnreachable } from "~/lib/worker-client";
import type { Session } from "~/server/auth";
import { workerTokenCache } from "~/server/worker-token-cache";
import { mintWorkerToken } from "~/server/worker-token";
import type { WorkerRouter } from "~/worker/router";

/**
 * The web tier's link to the worker for one request of one signed-in user:
 * tokens come from this process's cache (one mint per session until it is
 * near expiry), the request id is the one the web tier logs.
 */
export function workerFor(session: Session, requestId: string) {
  return createWorkerClient({
    url: env().WORKER_URL,
    tokens: workerTokenCache,
    sessionId: session.session.id,
    requestId,
    batch: false,
    mint: (id) => mintWorkerToken(session, id),
  });
}

/**
 * What the dashboard sees when a worker call fails: a tRPC error of the web
 * tier with a code it can act on and a message a person can read.
 */
export function toWebError(error: unknown): unknown {
  if (!(error instanceof TRPCClientError)) return error;
  // Raised by the web tier itself while getting a token (session ended).
  if (error.cause instanceof TRPCError) return error.cause;

  if (isWorkerUnreachable(error)) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: `Worker unavailable: nothing answered at ${env().WORKER_URL}. Is the worker running?`,
      cause: error,
    });
  }
  const data = (error as TRPCClientError<WorkerRouter>).data;
  switch (data?.code) {
    case "BAD_REQUEST":
    case "PAYLOAD_TOO_LARGE": {
      // The caller's input: the worker's words are meant for them.
      const issues: string[] = data.zodError
        ? [...data.zodError.formErrors, ...Object.values<string[] | undefined>(data.zodError.fieldErrors).flatMap((list) => list ?? [])]
        : [];
      return new TRPCError({ code: data.code, message: issues[0] ?? error.message, cause: error });
    }
    case "UNAUTHORIZED":
      // Still refused after a fresh token: the two tiers disagree on keys,
      // issuer or audience. A configuration fault, not the user's.
      return new TRPCError({
        code: "BAD_GATEWAY",
        message: `The worker refused this app's token (${data.reason ?? "unknown reason"}): check BETTER_AUTH_URL and the worker's key settings.`,
        cause: error,
      });
    case "SERVICE_UNAVAILABLE":
      return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: `Worker unavailable: ${error.message}`, cause: error });
    default:
      return new TRPCError({ code: "BAD_GATEWAY", message: `The worker failed: ${error.message}`, cause: error });
  }
}
