/**
 * tRPC's HTTP protocol served straight from node:http, for the subset the
 * worker uses: queries (GET) and mutations (POST), single or batched, JSON
 * responses (what @trpc/client's httpLink and httpBatchLink speak).
 *
 * Why not @trpc/server's standalone adapter: it turns every request into a
 * Fetch API Request/Response with an AbortSignal and web streams, which
 * measured (Node 20.20) at ~4,200 req/s for `whoami` on this 2-core machine
 * against ~60,000 for a bare node:http handler. Calling the procedures
 * through tRPC's own public functions (callTRPCProcedure, getTRPCErrorShape)
 * keeps routing, middlewares, input validation and the error shape tRPC's,
 * without that per-request cost. Streaming (application/jsonl) and
 * subscriptions are not served; the worker has neither. trpc-http.test.ts
 * replays requests against tRPC's own adapter and pins every difference.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  TRPCError,
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  type inferRouterContext,
} from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";

import { MAX_BATCH_CALLS, MAX_BODY_BYTES } from "~/contract/request-limits";

export interface TRPCNodeHandlerOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Called for every error a procedure call ends in (logging). */
  onError?: (info: { error: TRPCError; path: string; ctx: inferRouterContext<TRouter> }) => void;
  /** Largest request body read, in bytes; above it the call fails with 413. */
  maxBodyBytes?: number;
  /**
   * Most calls one batched request may carry (tRPC's `maxBatchSize`): above
   * it the request fails whole, with one 400, before any input is read or
   * any procedure (so any token check) runs.
   */
  maxBatchCalls?: number;
}

type CallResult = { result: { data: unknown } } | { error: unknown };

export function createTRPCNodeHandler<TRouter extends AnyTRPCRouter>(options: TRPCNodeHandlerOptions<TRouter>) {
  const { router, onError, maxBodyBytes = MAX_BODY_BYTES, maxBatchCalls = MAX_BATCH_CALLS } = options;
  const config = router._def._config;
  const procedureAt = router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;

  /**
   * Answers one tRPC request. `procedures` is the URL path after the tRPC
   * prefix (`whoami` or `whoami,textStats`), `search` its query string.
   */
  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    procedures: string,
    search: URLSearchParams,
    ctx: inferRouterContext<TRouter>,
  ): Promise<void> {
    const batch = search.get("batch") === "1";
    const paths = batch ? procedures.split(",") : [procedures];
    const type = req.method === "GET" ? "query" : req.method === "POST" ? "mutation" : undefined;

    const fail = (error: TRPCError, path: string | undefined): CallResult => {
      if (path !== undefined) onError?.({ error, path, ctx });
      return { error: getTRPCErrorShape({ config, error, type: type ?? "unknown", path, input: undefined, ctx }) };
    };
    const answer = (results: CallResult[] | CallResult) => {
      // A router's config is typed RootConfig<any>.
      const transformed = transformTRPCResponse(
        config as Parameters<typeof transformTRPCResponse>[0],
        results as never,
      ) as CallResult[] | CallResult;
      sendJson(res, getHTTPStatusCode(transformed as never), transformed);
    };

    if (batch && paths.length > maxBatchCalls) {
      // tRPC's code and message for its maxBatchSize, and like tRPC one error
      // for the request rather than one per call: the answer stays small.
      const error = new TRPCError({ code: "BAD_REQUEST", message: "Batch call exceeds maximum size" });
      answer(fail(error, undefined));
      return;
    }

    let results: CallResult[];
    try {
      if (req.headers["trpc-accept"] === "application/jsonl") {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "Streaming responses are not supported: use httpBatchLink or httpLink.",
        });
      }
      // Another method's body is not read: each of its calls fails with 405 below.
      const inputs = type ? await readInputs(req, search, type, batch, maxBodyBytes) : undefined;
      results = await Promise.all(
        paths.map(async (path, index): Promise<CallResult> => {
          try {
            // The same checks, codes and messages as tRPC's resolveResponse.
            const procedure = procedureAt[path];
            if (!procedure) throw new TRPCError({ code: "NOT_FOUND", message: `No procedure found on path "${path}"` });
            if (procedure._def.type !== type) {
              throw new TRPCError({
                code: "METHOD_NOT_SUPPORTED",
                message: `Unsupported ${req.method ?? ""}-request to ${procedure._def.type} procedure at path "${path}"`,
              });
            }
            const raw = inputs?.[index];
            const data: unknown = await callTRPCProcedure({
              router,
              path,
              type: procedure._def.type,
              ctx,
              batchIndex: index,
              signal: undefined,
              getRawInput: async (): Promise<unknown> =>
                raw === undefined ? undefined : config.transformer.input.deserialize(raw),
            });
            return { result: { data } };
          } catch (cause) {
            return fail(getTRPCErrorFromUnknown(cause), path);
          }
        }),
      );
    } catch (cause) {
      // The request itself is unusable: every call in it fails the same way.
      const error = getTRPCErrorFromUnknown(cause);
      results = paths.map((path) => fail(error, path));
    }

    answer(batch ? results : results[0]!);
  };
}

/** Answers with `body` as JSON, length known up front (no chunked encoding). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

async function readInputs(
  req: IncomingMessage,
  search: URLSearchParams,
  type: "query" | "mutation",
  batch: boolean,
  maxBodyBytes: number,
): Promise<Record<number, unknown> | undefined> {
  const text = type === "query" ? search.get("input") : await readBody(req, maxBodyBytes);
  if (text === null || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: "PARSE_ERROR", message: "The input is not valid JSON.", cause });
  }
  if (!batch) return { 0: parsed };
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: '"input" needs to be an object when doing a batch call' });
  }
  return parsed as Record<number, unknown>;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // tRPC's message: the code.
    const tooLarge = () => new TRPCError({ code: "PAYLOAD_TOO_LARGE" });
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      // Refuse before reading; the connection is closed after the answer.
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
