import { once } from "node:events";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "~/worker/logger";
import type { ChangeFeed, FeedSubscription } from "./documents/change-feed";
import type { DocumentSummary } from "~/contract/document-summary";
import { createWorkerServer, DEFAULT_TIMEOUTS } from "./server";
import { createTestSigner } from "../../tests/support/worker/token-signer";
import { noRevocations } from "../../tests/support/worker/no-revocations";
import { documentSummary } from "../../tests/support/document-summary";
import { SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS, SSE_PING_MS } from "./trpc";
import { createTokenVerifier } from "./verify";

// documents.events as served by server.ts: tRPC's node adapter behind the
// worker's own authentication, CORS, request id and timeouts. A stand-in
// feed (no database): the database side is tests/integration.

const WEB_ORIGIN = "http://localhost:3000";
const signer = await createTestSigner({ issuer: WEB_ORIGIN });
const token = await signer.mint({
  sub: "user_ada",
  sid: "session_ada",
  email: "ada@example.com",
  name: "Ada",
  jti: "token-1",
});
const EVENTS = "/trpc/documents.events?input=%7B%7D";

/** A feed whose subscribers get what `push` hands them. */
function fakeFeed() {
  const subscriptions = new Set<{ userId: string; queue: DocumentSummary[]; wake?: () => void }>();
  const feed: ChangeFeed = {
    subscribe(userId): FeedSubscription {
      const state: { userId: string; queue: DocumentSummary[]; wake?: () => void } = { userId, queue: [] };
      subscriptions.add(state);
      return {
        userId,
        offer: () => false,
        take: (signal) =>
          new Promise((resolve) => {
            const done = () => resolve(state.queue.splice(0));
            if (state.queue.length > 0 || signal?.aborted) return done();
            state.wake = done;
            signal?.addEventListener("abort", done, { once: true });
          }),
        close: () => subscriptions.delete(state),
      };
    },
    readSince: async () => [],
    get size() {
      return subscriptions.size;
    },
    polling: false,
    stop: () => undefined,
  };
  return {
    feed,
    push(userId: string, summary: DocumentSummary) {
      for (const state of subscriptions) {
        if (state.userId !== userId) continue;
        state.queue.push(summary);
        state.wake?.();
      }
    },
  };
}

const summary = (changeSeq: string): DocumentSummary =>
  documentSummary({ id: "doc-1", sizeBytes: 10, status: "extracting", progress: 20, createdAt: 0, changeSeq });

const { feed, push } = fakeFeed();
/** The served worker's request deadline and ping interval: production's (server.ts, trpc.ts) shortened to keep the tests quick. */
const REQUEST_MS = 300;
const PING_MS = 200;
let worker: ReturnType<typeof createWorkerServer>;
let base: string;

beforeAll(async () => {
  worker = createWorkerServer({
    verifier: createTokenVerifier({ issuer: WEB_ORIGIN, jwks: signer.jwks }),
    revocation: noRevocations(),
    changeFeed: feed,
    logger: createLogger("silent"),
    corsOrigin: WEB_ORIGIN,
    // A request deadline far shorter than a stream: it must not cut one.
    timeouts: { requestMs: REQUEST_MS, headersMs: 200, checkIntervalMs: 50 },
    ssePingMs: PING_MS,
  });
  worker.server.listen(0, "127.0.0.1");
  await once(worker.server, "listening");
  base = `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}`;
});

afterAll(() => worker.close(500));

/** Opens the stream and reads events as text until `until` holds of what arrived. */
async function readStream(response: Response, until: (text: string) => boolean, ms = 5_000) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = AbortSignal.timeout(ms);
  while (!until(text)) {
    const next = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) =>
        deadline.addEventListener("abort", () => reject(new Error(`no match in: ${text}`)), { once: true }),
      ),
    ]);
    if (next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  return { text, reader };
}

describe("documents.events over SSE", () => {
  it("refuses a missing token with the same 401 JSON a query gets, before any stream opens", async () => {
    const [stream, query] = await Promise.all([
      fetch(`${base}${EVENTS}`, { headers: { origin: WEB_ORIGIN } }),
      fetch(`${base}/trpc/whoami`),
    ]);
    expect(stream.status).toBe(401);
    expect(stream.headers.get("content-type")).toBe("application/json");
    expect(stream.headers.get("access-control-allow-origin")).toBe(WEB_ORIGIN);
    expect(stream.headers.get("x-request-id")).toBeTruthy();
    const [streamBody, queryBody] = (await Promise.all([stream.json(), query.json()])) as [
      { error: { data: Record<string, unknown> } },
      { error: { data: Record<string, unknown> } },
    ];
    expect(streamBody.error.data).toMatchObject({
      code: "UNAUTHORIZED",
      httpStatus: 401,
      reason: "missing",
      path: "documents.events",
    });
    expect({ ...streamBody.error, data: { ...streamBody.error.data, path: null } }).toEqual({
      ...queryBody.error,
      data: { ...queryBody.error.data, path: null },
    });
  });

  it("streams tracked events with the worker's headers, and outlives the request deadline", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}${EVENTS}`, {
      headers: { authorization: `Bearer ${token}`, origin: WEB_ORIGIN, "x-request-id": "req-sse-1" },
      signal: controller.signal,
    });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      expect(response.headers.get("access-control-allow-origin")).toBe(WEB_ORIGIN);
      expect(response.headers.get("x-request-id")).toBe("req-sse-1");
      const { text, reader } = await readStream(response, (t) => t.includes("\n\n"));
      expect(text).toContain(
        `event: connected\ndata: {"reconnectAfterInactivityMs":${SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS}}`,
      );

      await new Promise((resolve) => setTimeout(resolve, REQUEST_MS * 2));
      push("user_ada", summary("41"));
      push("someone_else", { ...summary("42"), id: "doc-of-someone-else" });
      let more = "";
      const decoder = new TextDecoder();
      while (!more.includes("id: 41")) more += decoder.decode((await reader.read()).value, { stream: true });
      expect(more).toContain(`data: ${JSON.stringify(summary("41"))}\nid: 41\n`);
      expect(more).not.toContain("doc-of-someone-else");
    } finally {
      controller.abort();
    }
  });

  it("pings an idle stream well inside the server's idle-socket timeout", async () => {
    expect(SSE_PING_MS * 2).toBeLessThanOrEqual(DEFAULT_TIMEOUTS.idleSocketMs);
    expect(SSE_PING_MS).toBeLessThan(SSE_CLIENT_RECONNECT_AFTER_INACTIVITY_MS);
    const controller = new AbortController();
    const response = await fetch(`${base}${EVENTS}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    try {
      // Two pings: the first could be a coincidence of timing, the second is the interval.
      const { text } = await readStream(response, (t) => t.split("event: ping").length > 2, PING_MS * 2 + 3_000);
      expect(text.split("event: ping")).toHaveLength(3);
    } finally {
      controller.abort();
    }
  });

  it("lets a browser send Last-Event-ID from the web origin (preflight)", async () => {
    const response = await fetch(`${base}${EVENTS}`, {
      method: "OPTIONS",
      headers: {
        origin: WEB_ORIGIN,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization,last-event-id",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-headers")).toMatch(/(^|, )last-event-id(,|$)/);
  });

  it("validates lastEventId", async () => {
    const response = await fetch(
      `${base}/trpc/documents.events?input=${encodeURIComponent('{"lastEventId":"1 OR 1=1"}')}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const { text } = await readStream(response, (t) => t.includes("serialized-error"));
    expect(text).toContain('"code":-32600');
    expect(feed.size).toBe(0);
  });

  it("ends open streams at once on close, and frees their subscriptions", async () => {
    const own = createWorkerServer({
      verifier: createTokenVerifier({ issuer: WEB_ORIGIN, jwks: signer.jwks }),
      revocation: noRevocations(),
      changeFeed: feed,
      logger: createLogger("silent"),
      corsOrigin: WEB_ORIGIN,
    });
    own.server.listen(0, "127.0.0.1");
    await once(own.server, "listening");
    const url = `http://127.0.0.1:${(own.server.address() as AddressInfo).port}${EVENTS}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const { reader } = await readStream(response, (t) => t.includes("\n\n"));
    expect(feed.size).toBe(1);
    const started = performance.now();
    await own.close(5_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(reader.read()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(feed.size).toBe(0);
  });
});
