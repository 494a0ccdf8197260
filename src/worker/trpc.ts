/**
 * The worker's tRPC server: context, error shape and the authed procedure.
 * No transformer: the worker speaks plain JSON so that any client, not only
 * this app's, can call it; its outputs carry times as epoch milliseconds.
 */
import type { IncomingMessage } from "node:http";

import { initTRPC } from "@trpc/server";

import type { Logger } from "~/worker/logger";
import { publicErrorShape } from "~/contract/public-error-shape";
import { authenticate, type AuthenticationContext } from "./authenticate";
import type { ChangeFeed } from "./documents/change-feed";
import type { DocumentServices } from "./documents/services";
import type { RevocationCheck } from "./revocation";
import { TokenRejected, type RejectReason, type TokenVerifier } from "./verify";

export interface WorkerContext extends AuthenticationContext {
  requestId: string;
  /** Absent on a worker started without a database for documents (some unit tests). */
  documents?: DocumentServices;
  /** The documents' change feed (documents/change-feed.ts), when the worker has a database. */
  changeFeed?: ChangeFeed;
}

/**
 * SSE keep-alive: a ping well inside the server's idle-socket timeout (30 s)
 * and any proxy's read timeout, and a client that reconnects when it has
 * heard nothing (not even a ping) for longer (docs/decisions/0013).
 */
export const SSE_PING_MS = 10_000;
export const SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS = 25_000;

/** The context of one HTTP request, shared by all the calls it batches. */
export function createWorkerContext(
  req: IncomingMessage,
  {
    requestId,
    logger,
    verifier,
    revocation,
    documents,
    changeFeed,
  }: {
    requestId: string;
    logger: Logger;
    verifier: TokenVerifier;
    revocation: RevocationCheck;
    documents?: DocumentServices;
    changeFeed?: ChangeFeed;
  },
): WorkerContext {
  return {
    documents,
    requestId,
    log: logger.child({ requestId }),
    // Every copy of the header: req.headers keeps the first one only.
    authorization: req.headersDistinct.authorization,
    verifier,
    revocation,
    authentication: {},
    changeFeed,
  };
}

const t = initTRPC.context<WorkerContext>().create({
  // Not tied to NODE_ENV: outside production tRPC would put every error's
  // stack trace, absolute paths included, in the answer. Logs have them.
  isDev: false,
  sse: {
    ping: { enabled: true, intervalMs: SSE_PING_MS },
    client: { reconnectAfterInactivityMs: SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS },
  },
  errorFormatter(options) {
    const shape = publicErrorShape(options);
    const { cause } = options.error;
    // Why a call was refused (UNAUTHORIZED only): one of REJECT_REASONS.
    return {
      ...shape,
      data: { ...shape.data, reason: cause instanceof TokenRejected ? cause.reason : (null as RejectReason | null) },
    };
  },
});

export const createWorkerRouter = t.router;

/** Verifies the caller's token, once per request (authenticate.ts); the resolver gets `ctx.caller`. */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) =>
  next({ ctx: { caller: await authenticate(ctx) } }),
);
