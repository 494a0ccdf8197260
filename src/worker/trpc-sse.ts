/**
 * Subscriptions over SSE: `GET /trpc/<subscription>` is handed to tRPC's own
 * node adapter (nodeHTTPRequestHandler), which speaks the protocol
 * httpSubscriptionLink expects (connected, pings, tracked ids,
 * serialized-error, return; Last-Event-ID). Queries and mutations stay on the
 * hand-written adapter (trpc-http.ts): its per-request saving matters for
 * short calls, not for a stream opened once and held for minutes
 * (docs/decisions/0013 has the numbers).
 *
 * The caller is authenticated before tRPC sees the request, with the same
 * memoized authenticate() the procedure's middleware then reuses: a refused
 * or missing token is a plain HTTP 401 (or 503) with the same JSON error
 * body a query gets, not a 200 stream carrying an error, so an EventSource
 * client sees the status and can fetch a fresh token before it retries.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCProcedure,
  type TRPCError,
} from "@trpc/server";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { getHTTPStatusCode } from "@trpc/server/http";

import { authenticate } from "./authenticate";
import type { WorkerRouter } from "./router";
import { sendJson } from "./trpc-http";
import type { WorkerContext } from "./trpc";

export interface TRPCSubscriptionHandlerOptions {
  router: WorkerRouter;
  /** Time between two pings of an idle stream (default: the router's, SSE_PING_MS); tests shorten it. */
  pingMs?: number;
  onError?: (info: { error: TRPCError; path: string; ctx: WorkerContext }) => void;
}

/**
 * tRPC reads the ping interval from the router's config alone: the same
 * procedures under a config that differs in that one value.
 */
function withPingInterval(router: WorkerRouter, pingMs: number): WorkerRouter {
  const config = router._def._config;
  const sse = { ...config.sse, ping: { enabled: config.sse?.ping?.enabled ?? false, intervalMs: pingMs } };
  return { ...router, _def: { ...router._def, _config: { ...config, sse } } };
}

export function createTRPCSubscriptionHandler({
  router: routerOption,
  pingMs,
  onError,
}: TRPCSubscriptionHandlerOptions) {
  const router = pingMs === undefined ? routerOption : withPingInterval(routerOption, pingMs);
  const config = router._def._config;
  const procedureAt = router._def.procedures as unknown as Record<string, AnyTRPCProcedure | undefined>;

  return {
    /** Whether this request is a subscription call, for this handler rather than trpc-http.ts. */
    handles(method: string | undefined, path: string): boolean {
      return method === "GET" && procedureAt[path]?._def.type === "subscription";
    },

    async handle(req: IncomingMessage, res: ServerResponse, path: string, ctx: WorkerContext): Promise<void> {
      try {
        await authenticate(ctx);
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        onError?.({ error, path, ctx });
        const body = transformTRPCResponse(config, {
          error: getTRPCErrorShape({ config, error, type: "subscription", path, input: undefined, ctx }),
        });
        sendJson(res, getHTTPStatusCode(body as never), body);
        return;
      }
      await nodeHTTPRequestHandler({
        router,
        req,
        res,
        path,
        createContext: () => ctx,
        onError: ({ error }) => onError?.({ error, path, ctx }),
      });
    },
  };
}
