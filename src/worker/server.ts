/**
 * The worker's HTTP server on node:http: health and readiness probes, CORS
 * for the one web origin allowed to call it from the browser, and tRPC at
 * /trpc. Every response carries the request's id; every request is logged.
 * Clients too slow to send their request, or that stop reading, are cut off
 * (WorkerTimeouts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import type { TRPCError } from "@trpc/server";

import type { Logger } from "~/worker/logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "~/contract/request-id";
import type { DocumentServices } from "./documents/services";
import { handleDownload } from "./documents/download";
import { handlePageImage } from "./documents/page-image";
import { DOWNLOAD_PATH, FILE_NAME_HEADER, PAGE_IMAGE_PATH, UPLOAD_PATH } from "~/contract/document-routes";
import { handleUpload } from "./documents/upload";
import { handleAccountExport } from "./account/export";
import { ACCOUNT_EXPORT_PATH } from "~/contract/account-export";
import { workerRouter } from "./router";
import type { ChangeFeed } from "./documents/change-feed";
import { createTRPCNodeHandler, sendJson } from "./trpc-http";
import { createTRPCSubscriptionHandler } from "./trpc-sse";
import { createWorkerContext, type WorkerContext } from "./trpc";
import type { RevocationCheck } from "./revocation";
import type { TokenVerifier } from "./verify";

export const TRPC_PREFIX = "/trpc/";

export interface WorkerServerOptions {
  verifier: TokenVerifier;
  /** Whether a verified token's session still exists (revocation.ts). */
  revocation: RevocationCheck;
  logger: Logger;
  /** The documents' change feed, for `documents.events`; without one that subscription answers 503. */
  changeFeed?: ChangeFeed;
  /** The web origin allowed to call from a browser (exact match). */
  corsOrigin: string;
  /** Most calls one batched tRPC request may carry (default MAX_BATCH_CALLS). */
  maxBatchCalls?: number;
  timeouts?: Partial<WorkerTimeouts>;
  /** A request with this many headers or more is refused with 431 (default 100). */
  maxHeadersCount?: number;
  /** Documents: the procedures, uploads and downloads (absent: they answer 503). */
  documents?: DocumentServices;
  /** Time between two pings of an idle SSE stream (default SSE_PING_MS). */
  ssePingMs?: number;
}

/**
 * How long a client may take. Each slow client holds a socket and its buffers
 * for as long as it is let; with Node's defaults (60 s for headers, 5 min for
 * a request, no limit on a client that stops reading, deadlines checked every
 * 30 s) a few hundred slowloris sockets sit on a worker for minutes.
 */
export interface WorkerTimeouts {
  /** The request line and headers must have arrived within this (else 408). */
  headersMs: number;
  /**
   * The whole request, body included, within this (else 408). Long enough
   * for a 25 MB upload on a 2 Mbit/s uplink; a tRPC body is at most 1 MiB.
   */
  requestMs: number;
  /** An idle keep-alive connection is closed after this (above the web tier's HTTP client's 4 s, so it closes first). */
  keepAliveMs: number;
  /** A socket with no traffic either way for this long is closed: a client that stops reading its answer. */
  idleSocketMs: number;
  /** How often the header and request deadlines are checked: a slow client outlives them by up to this. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: WorkerTimeouts = {
  headersMs: 10_000,
  requestMs: 120_000,
  keepAliveMs: 5_000,
  idleSocketMs: 30_000,
  checkIntervalMs: 1_000,
};

export interface WorkerServer {
  server: Server;
  /** Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then closes. */
  close(timeoutMs: number): Promise<void>;
}

const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, OPTIONS",
  // last-event-id: an EventSource client's reconnect (documents.events).
  "access-control-allow-headers": `authorization, content-type, ${REQUEST_ID_HEADER}, trpc-accept, x-trpc-source, last-event-id, ${FILE_NAME_HEADER}`,
  "access-control-max-age": "600",
};

export function createWorkerServer(options: WorkerServerOptions): WorkerServer {
  const {
    verifier,
    revocation,
    changeFeed,
    documents,
    logger,
    corsOrigin,
    maxBatchCalls,
    maxHeadersCount = 100,
  } = options;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const onError = ({ error, path, ctx }: { error: TRPCError; path: string; ctx: WorkerContext }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") ctx.log.error({ err: error.cause ?? error, path }, "procedure failed");
  };
  const trpc = createTRPCNodeHandler({ router: workerRouter, maxBatchCalls, onError });
  const subscriptions = createTRPCSubscriptionHandler({ router: workerRouter, pingMs: options.ssePingMs, onError });
  /** Open SSE streams: ended at once on close (their clients reconnect elsewhere), never waited for. */
  const streams = new Set<ServerResponse>();

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://worker");
    const { pathname } = url;
    const context = () => createWorkerContext(req, { requestId, logger, verifier, revocation, documents, changeFeed });

    const origin = req.headers.origin;
    if (origin === corsOrigin) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", `${REQUEST_ID_HEADER}, content-disposition`);
    }
    if (origin !== undefined) res.setHeader("vary", "Origin");
    if (req.method === "OPTIONS") {
      if (origin === corsOrigin) res.writeHead(204, CORS_HEADERS).end();
      else sendJson(res, 403, { error: "Origin not allowed" });
      return;
    }

    if (pathname.startsWith(TRPC_PREFIX)) {
      let procedures;
      try {
        procedures = decodeURIComponent(pathname.slice(TRPC_PREFIX.length));
      } catch {
        sendJson(res, 400, { error: "The path is not valid percent-encoding." });
        return;
      }
      const ctx = context();
      if (subscriptions.handles(req.method, procedures)) {
        streams.add(res);
        res.once("close", () => streams.delete(res));
        if (closing) res.setHeader("connection", "close");
        await subscriptions.handle(req, res, procedures, ctx);
        return;
      }
      await trpc(req, res, procedures, url.searchParams, ctx);
      return;
    }
    if (
      pathname === UPLOAD_PATH ||
      DOWNLOAD_PATH.test(pathname) ||
      PAGE_IMAGE_PATH.test(pathname) ||
      pathname === ACCOUNT_EXPORT_PATH
    ) {
      if (!documents)
        return sendJson(res, 503, {
          error: { code: "SERVICE_UNAVAILABLE", message: "This worker has no document store configured." },
        });
      if (pathname === UPLOAD_PATH && req.method === "POST") return handleUpload(req, res, context(), documents);
      const download = DOWNLOAD_PATH.exec(pathname);
      if (download && (req.method === "GET" || req.method === "HEAD"))
        return handleDownload(req, res, context(), download[1]!, documents);
      const pageImage = PAGE_IMAGE_PATH.exec(pathname);
      if (pageImage && (req.method === "GET" || req.method === "HEAD"))
        return handlePageImage(req, res, context(), pageImage[1]!, pageImage[2]!, documents);
      if (pathname === ACCOUNT_EXPORT_PATH && req.method === "GET")
        return handleAccountExport(req, res, context(), documents);
      res.setHeader("connection", "close");
      return sendJson(res, 405, {
        error: { code: "METHOD_NOT_SUPPORTED", message: `${req.method ?? ""} is not allowed here.` },
      });
    }
    if (pathname === "/healthz" && req.method === "GET") {
      sendJson(res, 200, { status: "ok" });
      return;
    }
    if (pathname === "/readyz" && req.method === "GET") {
      const [keys, sessions] = await Promise.all([verifier.ready(), revocation.ready()]);
      if (!keys)
        sendJson(res, 503, { status: "not_ready", reason: "The signing keys could not be read from the database." });
      else if (!sessions) sendJson(res, 503, { status: "not_ready", reason: "The session table could not be read." });
      else if (documents && !documents.queue.isConnected())
        sendJson(res, 503, { status: "not_ready", reason: "The job queue is not connected yet." });
      else sendJson(res, 200, { status: "ready" });
      return;
    }
    sendJson(res, 404, { error: "Not found" });
  }

  let closing = false;
  const inFlight = new Set<ServerResponse>();

  const server = createServer(
    {
      // Large enough that an oversized token reaches the verifier and is
      // refused with a reason code, instead of Node's bare 431.
      maxHeaderSize: 128 * 1024,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => {
      const started = performance.now();
      // While shutting down, each answer closes its connection, so keep-alive
      // clients cannot hold the server open or start new requests.
      if (closing) res.setHeader("connection", "close");
      inFlight.add(res);
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
      res.setHeader(REQUEST_ID_HEADER, requestId);
      // One listener per request (each costs throughput): 'close' comes
      // after the answer is sent, or when the client went away first.
      res.on("close", () => {
        inFlight.delete(res);
        // The path only: a query string can hold a document's text.
        logger.info(
          {
            requestId,
            method: req.method,
            path: req.url?.split("?", 1)[0],
            status: res.statusCode,
            ms: Math.round((performance.now() - started) * 100) / 100,
            ...(res.writableFinished ? {} : { aborted: true }),
          },
          "request",
        );
      });
      // Node silently drops the headers past maxHeadersCount, which could hide
      // a second Authorization header: a request that may have lost some is refused.
      if (req.rawHeaders.length >= 2 * maxHeadersCount) {
        res.setHeader("connection", "close");
        sendJson(res, 431, { error: `Too many headers (at most ${maxHeadersCount - 1}).` });
        return;
      }
      route(req, res, requestId).catch((error: unknown) => {
        logger.error({ requestId, err: error }, "request failed");
        if (!res.headersSent) sendJson(res, 500, { error: "Internal error" });
        else res.destroy();
      });
    },
  );

  server.maxHeadersCount = maxHeadersCount;
  server.timeout = timeouts.idleSocketMs;

  return {
    server,
    async close(timeoutMs) {
      closing = true;
      for (const res of streams) res.destroy();
      for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
