import "server-only";

import { TRPCClientError } from "@trpc/client";
import { TRPCError } from "@trpc/server";

import { env } from "~/env";
import { createWorkerClient, explainWorkerFailure } from "~/worker-client/worker-client";
import type { Session } from "~/server/auth";
import { workerTokenCache } from "~/server/worker-token-cache";
import { mintWorkerToken } from "~/server/worker-token";
import type { WorkerRouter } from "~/contract/worker-router";

/**
 * The web tier's link to the worker for one request of one signed-in user:
 * tokens come from this process's cache (one mint per session until it is
 * near expiry), the request id is the one the web tier logs. `timeoutMs`:
 * how long a call may take (createWorkerClient's default unless given).
 */
export function workerFor(session: Session, requestId: string, { timeoutMs }: { timeoutMs?: number } = {}) {
  return createWorkerClient({
    url: env().WORKER_URL,
    timeoutMs,
    tokens: workerTokenCache,
    sessionId: session.session.id,
    requestId,
    batch: false,
    mint: (id) => mintWorkerToken(session, id),
  });
}

/** A failure of a call through workerFor's client, typed by the worker's router. */
export function isWorkerClientError(error: unknown): error is TRPCClientError<WorkerRouter> {
  return error instanceof TRPCClientError;
}

/**
 * What the dashboard sees when a worker call fails: a tRPC error of the web
 * tier with a code it can act on and a message a person can read. It never
 * names WORKER_URL, an internal address (a compose service name): the log
 * line does.
 */
export function toWebError(error: TRPCClientError<WorkerRouter>): unknown {
  // Raised by the web tier itself while getting a token (session ended).
  if (error.cause instanceof TRPCError) return error.cause;
  const failure = explainWorkerFailure(error);
  return failure ? new TRPCError({ ...failure, cause: error }) : error;
}
