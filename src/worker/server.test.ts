import { once } from "node:events";
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError, type TRPCLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "~/worker/logger";
import type { WorkerRouter } from "~/contract/worker-router";
import { createWorkerServer, type WorkerServerOptions } from "~/worker/server";
import { ADA_CLAIMS, createTestSigner } from "../../tests/support/worker/token-signer";
import { createTokenVerifier, type TokenVerifier } from "~/worker/verify";
import { noRevocations } from "../../tests/support/worker/no-revocations";

const ISSUER = "http://localhost:3000";
const WEB_ORIGIN = "http://localhost:3000";
const KID = "web-key-1";
const ONE_MIB = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const signer = await createTestSigner({ issuer: ISSUER, kid: KID });
const verifier = createTokenVerifier({ issuer: ISSUER, jwks: signer.jwks });
const mintToken = signer.mint;

const claims = ADA_CLAIMS;
const token = await mintToken(claims);
const authHeaders = { authorization: `Bearer ${token}` };

async function startWorker(workerVerifier: TokenVerifier = verifier, options: Partial<WorkerServerOptions> = {}) {
  const worker = createWorkerServer({
    verifier: workerVerifier,
    revocation: noRevocations(),
    logger: createLogger("silent"),
    corsOrigin: WEB_ORIGIN,
    ...options,
  });
  worker.server.listen(0, "127.0.0.1");
  await once(worker.server, "listening");
  const { port } = worker.server.address() as AddressInfo;
  return { ...worker, port, url: `http://127.0.0.1:${port}` };
}

/** Resolves true if a TCP connection to the port is accepted, false if refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The error of a single call's answer, or of a batch's first call. */
function tRPCErrorOf(body: unknown) {
  const answer = (Array.isArray(body) ? body[0] : body) as { error: { data: { code: string; httpStatus: number } } };
  return answer.error.data;
}

describe("worker HTTP adapter", () => {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  /** HTTP requests the tRPC client made (to tell batched calls from separate ones). */
  let fetches = 0;
  const countingFetch: typeof fetch = (input, init) => {
    fetches++;
    return fetch(input, init);
  };
  const clientWith = (
    link: (options: {
      url: string;
      headers: () => Record<string, string>;
      fetch: typeof fetch;
    }) => TRPCLink<WorkerRouter>,
  ) =>
    createTRPCClient<WorkerRouter>({
      links: [link({ url: `${worker.url}/trpc`, headers: () => authHeaders, fetch: countingFetch })],
    });
  let batched: ReturnType<typeof clientWith>;
  let single: ReturnType<typeof clientWith>;

  beforeAll(async () => {
    worker = await startWorker();
    batched = clientWith(httpBatchLink);
    single = clientWith(httpLink);
  });
  afterAll(() => worker.close(1_000));

  describe.each([
    ["httpBatchLink", () => batched],
    ["httpLink", () => single],
  ])("through %s", (_name, client) => {
    it("whoami returns the token's claims, times in epoch ms", async () => {
      const before = Date.now();
      const me = await client().whoami.query();
      expect(me).toMatchObject({
        userId: claims.sub,
        sessionId: claims.sid,
        email: claims.email,
        name: claims.name,
        tokenId: claims.jti,
      });
      expect(me.tokenExpiresAt - me.tokenIssuedAt).toBe(15 * 60 * 1000);
      expect(Math.abs(me.tokenIssuedAt - before)).toBeLessThan(60_000);
    });

    it("textStats returns the stats of its input", async () => {
      expect(await client().textStats.mutate({ text: "Hello world. Hello again!", topTerms: 1 })).toEqual({
        characters: 25,
        nonWhitespaceCharacters: 22,
        words: 4,
        uniqueWords: 3,
        lines: 1,
        sentences: 2,
        topTerms: [{ term: "hello", count: 2 }],
      });
    });
  });

  it("sends three queries in one batched GET", async () => {
    fetches = 0;
    const answers = await Promise.all([batched.whoami.query(), batched.whoami.query(), batched.whoami.query()]);
    expect(fetches).toBe(1);
    for (const me of answers) expect(me.userId).toBe(claims.sub);
  });

  it("sends three mutations in one batched POST", async () => {
    fetches = 0;
    const texts = ["one", "two words", "three little words"];
    const answers = await Promise.all(texts.map((text) => batched.textStats.mutate({ text })));
    expect(fetches).toBe(1);
    expect(answers.map((stats) => stats.words)).toEqual([1, 2, 3]);
  });

  it("answers each call of a mixed batch on its own", async () => {
    fetches = 0;
    const [good, bad] = await Promise.allSettled([
      batched.textStats.mutate({ text: "fine" }),
      batched.textStats.mutate({ text: "" }),
    ]);
    expect(fetches).toBe(1);
    expect(good).toMatchObject({ status: "fulfilled", value: { words: 1 } });
    expect(bad.status).toBe("rejected");
    const error = (bad as PromiseRejectedResult).reason as TRPCClientError<WorkerRouter>;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data).toMatchObject({
      code: "BAD_REQUEST",
      httpStatus: 400,
      zodError: { fieldErrors: { text: ["Paste some text to analyse."] } },
    });
  });

  it.each([
    {
      name: "an unknown procedure",
      path: "/trpc/nope",
      init: { headers: authHeaders },
      status: 404,
      code: "NOT_FOUND",
    },
    {
      name: "a PUT",
      path: "/trpc/whoami",
      init: { method: "PUT", headers: authHeaders },
      status: 405,
      code: "METHOD_NOT_SUPPORTED",
    },
    {
      name: "invalid JSON in ?input=",
      path: "/trpc/whoami?input=%7Bnot-json",
      init: { headers: authHeaders },
      status: 400,
      code: "PARSE_ERROR",
    },
    {
      name: "a batch input that is not an object",
      path: "/trpc/whoami,whoami?batch=1&input=%5B1%5D",
      init: { headers: authHeaders },
      status: 400,
      code: "BAD_REQUEST",
    },
    {
      name: "a streaming (jsonl) request",
      path: "/trpc/whoami?batch=1",
      init: { headers: { ...authHeaders, "trpc-accept": "application/jsonl" } },
      status: 400,
      code: "BAD_REQUEST",
    },
    {
      name: "a declared body over 1 MiB",
      path: "/trpc/textStats",
      init: {
        method: "POST",
        headers: { ...authHeaders, "content-type": "application/json" },
        body: JSON.stringify({ text: "x".repeat(ONE_MIB) }),
      },
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
  ])("answers $name with $status $code", async ({ path, init, status, code }) => {
    const response = await fetch(`${worker.url}${path}`, init);
    expect(response.status).toBe(status);
    expect(tRPCErrorOf(await response.json())).toMatchObject({ code, httpStatus: status });
  });

  it("answers a chunked body over 1 MiB with 413 while it is still arriving", async () => {
    const req = httpRequest(`${worker.url}/trpc/textStats`, {
      method: "POST",
      headers: { ...authHeaders, "content-type": "application/json" },
    });
    const answered = once(req, "response") as Promise<[IncomingMessage]>;
    // No content-length: the limit must be enforced on the bytes read.
    for (let sent = 0; sent <= ONE_MIB; sent += 64 * 1024) req.write("x".repeat(64 * 1024));
    req.end();
    const [response] = await answered;
    response.resume();
    expect(response.statusCode).toBe(413);
  });

  it.each([
    { sent: "req-123.abc:def_4", echoed: "req-123.abc:def_4" },
    { sent: "has spaces in it", echoed: undefined },
    { sent: "r".repeat(200), echoed: undefined },
  ])("answers x-request-id $sent with $echoed (else a fresh id)", async ({ sent, echoed }) => {
    const response = await fetch(`${worker.url}/healthz`, { headers: { "x-request-id": sent } });
    const requestId = response.headers.get("x-request-id");
    if (echoed) expect(requestId).toBe(echoed);
    else expect(requestId).toMatch(UUID);
  });

  it("gives a request without x-request-id a fresh one", async () => {
    const ids = await Promise.all(
      [1, 2].map(async () => (await fetch(`${worker.url}/healthz`)).headers.get("x-request-id")),
    );
    expect(ids[0]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
  });

  describe("CORS", () => {
    const preflight = (origin: string) =>
      fetch(`${worker.url}/trpc/whoami`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization, x-request-id",
        },
      });

    it("allows a preflight from the web origin", async () => {
      const response = await preflight(WEB_ORIGIN);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(WEB_ORIGIN);
      const allowed = response.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
      expect(allowed).toEqual(
        expect.arrayContaining(["authorization", "x-request-id", "x-file-name", "last-event-id"]),
      );
      expect(response.headers.get("vary")).toBe("Origin");
    });

    it("refuses a preflight from another origin", async () => {
      const response = await preflight("https://evil.example");
      expect(response.status).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-headers")).toBeNull();
    });

    it("lets the web origin read answers, and no other origin", async () => {
      const answerTo = (origin: string) => fetch(`${worker.url}/trpc/whoami`, { headers: { ...authHeaders, origin } });
      const own = await answerTo(WEB_ORIGIN);
      expect(own.headers.get("access-control-allow-origin")).toBe(WEB_ORIGIN);
      // content-disposition: a download's file name, read by the page.
      expect(own.headers.get("access-control-expose-headers")).toBe("x-request-id, content-disposition");

      const other = await answerTo("https://evil.example");
      expect(other.status).toBe(200);
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    });
  });

  it("answers /healthz", async () => {
    const response = await fetch(`${worker.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz with static keys", async () => {
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
  });

  it.each(["/nope", "/trpc", "/healthz/extra"])("answers unknown path %s with 404 JSON", async (path) => {
    const response = await fetch(`${worker.url}${path}`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: "Not found" });
  });

  it("answers a bad percent-encoding in the procedure path as a client error", async () => {
    const response = await fetch(`${worker.url}/trpc/who%E0%A4ami`, { headers: authHeaders });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe("request limits", () => {
  it("takes the batch limit from maxBatchCalls (WORKER_MAX_BATCH_CALLS)", async () => {
    const worker = await startWorker(verifier, { maxBatchCalls: 3 });
    try {
      const batch = (count: number) =>
        fetch(`${worker.url}/trpc/${Array<string>(count).fill("whoami").join(",")}?batch=1`, { headers: authHeaders });
      expect((await batch(3)).status).toBe(200);
      const over = await batch(4);
      expect(over.status).toBe(400);
      expect(await over.json()).toMatchObject({
        error: { message: "Batch call exceeds maximum size", data: { code: "BAD_REQUEST" } },
      });
    } finally {
      await worker.close(1_000);
    }
  });

  it("refuses a request with maxHeadersCount headers (Node would drop any past it) with 431", async () => {
    const worker = await startWorker(verifier, { maxHeadersCount: 30 });
    try {
      // Node adds host and connection: 28 + 2 = 30 headers.
      const padding = (count: number) =>
        Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-pad-${i}`, "1"]));
      const send = (count: number) =>
        new Promise<IncomingMessage>((resolve, reject) =>
          httpRequest(`${worker.url}/trpc/whoami`, { headers: { ...authHeaders, ...padding(count) } }, resolve)
            .on("error", reject)
            .end(),
        );
      const refused = await send(27);
      refused.resume();
      expect(refused.statusCode).toBe(431);
      const accepted = await send(26);
      accepted.resume();
      expect(accepted.statusCode).toBe(200);
    } finally {
      await worker.close(1_000);
    }
  });
});

describe("slow clients", () => {
  const TIMEOUTS = { headersMs: 400, requestMs: 800, keepAliveMs: 300, idleSocketMs: 1_500, checkIntervalMs: 100 };
  const SLOW_SOCKETS = 50;

  interface SlowSocket {
    socket: Socket;
    /** When the server closed it (ms since the test started), and what it said first. */
    closed: Promise<{ afterMs: number; answer: string }>;
  }

  /** A socket that sends `opening` and then one more byte of `drip` every 50 ms until the server closes it. */
  function slowSocket(port: number, started: number, opening: string, drip: string): SlowSocket {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.write(opening);
    const timer = setInterval(() => socket.writable && socket.write(drip), 50);
    const closed = once(socket, "close").then(() => {
      clearInterval(timer);
      return { afterMs: performance.now() - started, answer };
    });
    return { socket, closed };
  }

  it(`answers at once while ${SLOW_SOCKETS} slowloris and ${SLOW_SOCKETS} slow-body sockets hang, then closes them after the timeouts`, async () => {
    // Long enough that the normal request surely comes while they all hang.
    const timeouts = { ...TIMEOUTS, headersMs: 1_000, requestMs: 1_500 };
    const worker = await startWorker(verifier, { timeouts });
    const started = performance.now();
    const slow: SlowSocket[] = [];
    try {
      for (let i = 0; i < SLOW_SOCKETS; i++) {
        // Headers that never end: one more header byte at a time.
        slow.push(slowSocket(worker.port, started, "GET /trpc/whoami HTTP/1.1\r\nHost: worker\r\nX-Slow: ", "a"));
        // Complete headers, then a body that trickles in.
        const opening = `POST /trpc/textStats HTTP/1.1\r\nHost: worker\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"text":"`;
        slow.push(slowSocket(worker.port, started, opening, "x"));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));

      let closedSoFar = 0;
      for (const { closed } of slow) void closed.then(() => closedSoFar++);
      const asked = performance.now();
      const response = await fetch(`${worker.url}/trpc/whoami`, { headers: authHeaders });
      expect(response.status).toBe(200);
      expect(performance.now() - asked).toBeLessThan(500);
      expect(closedSoFar).toBe(0);

      const closes = await Promise.race([
        Promise.all(slow.map((s) => s.closed)),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("slow sockets still open after 4 s")), 4_000),
        ),
      ]);
      const [slowloris, slowBodies] = [closes.filter((_, i) => i % 2 === 0), closes.filter((_, i) => i % 2 === 1)];
      for (const close of slowloris) {
        expect(close.answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(close.afterMs).toBeLessThan(timeouts.headersMs + 700);
      }
      for (const close of slowBodies) {
        expect(close.answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(close.afterMs).toBeLessThan(timeouts.requestMs + 700);
      }
    } finally {
      for (const { socket } of slow) socket.destroy();
      await worker.close(1_000);
    }
  });

  it("closes a socket that never sends a byte after the header timeout, and an idle keep-alive one after the keep-alive timeout", async () => {
    const worker = await startWorker(verifier, { timeouts: TIMEOUTS });
    const started = performance.now();
    try {
      const silent = slowSocket(worker.port, started, "", "");
      const keptAlive = slowSocket(worker.port, started, "GET /healthz HTTP/1.1\r\nHost: worker\r\n\r\n", "");
      const [silentClose, keptAliveClose] = await Promise.all([silent.closed, keptAlive.closed]);
      expect(silentClose.afterMs).toBeLessThan(TIMEOUTS.headersMs + 700);
      expect(keptAliveClose.answer).toMatch(/^HTTP\/1\.1 200 /);
      // Node adds a 1 s margin to the keep-alive timeout (keepAliveTimeoutBuffer).
      expect(keptAliveClose.afterMs).toBeLessThan(TIMEOUTS.keepAliveMs + 1_000 + 700);
    } finally {
      await worker.close(1_000);
    }
  });

  it("closes a socket whose request has made no progress for idleSocketMs", async () => {
    const stalled = await startWorker(
      { verify: () => new Promise(() => undefined), ready: async () => true },
      { timeouts: TIMEOUTS },
    );
    const started = performance.now();
    try {
      const socket = slowSocket(
        stalled.port,
        started,
        `GET /trpc/whoami HTTP/1.1\r\nHost: worker\r\nAuthorization: Bearer ${token}\r\n\r\n`,
        "",
      );
      const { afterMs } = await socket.closed;
      expect(afterMs).toBeGreaterThanOrEqual(TIMEOUTS.idleSocketMs - 100);
      expect(afterMs).toBeLessThan(TIMEOUTS.idleSocketMs + 1_000);
    } finally {
      await stalled.close(100);
    }
  });
});

describe("graceful shutdown", () => {
  it("closes idle keep-alive connections at once and stops accepting", async () => {
    const worker = await startWorker();
    const agent = new Agent({ keepAlive: true });
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        httpRequest(`${worker.url}/healthz`, { agent }, resolve).on("error", reject).end(),
      );
      response.resume();
      await once(response, "end");
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

      const started = performance.now();
      await worker.close(5_000);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await accepts(worker.port)).toBe(false);
    } finally {
      agent.destroy();
    }
  });

  /**
   * Starts a whoami call held inside the verifier (the router has no slow
   * procedure), calls close(timeoutMs) while it is in flight, then lets it finish.
   */
  async function closeDuringRequest(timeoutMs: number) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    const worker = await startWorker({
      async verify(authorization) {
        entered();
        await released;
        return verifier.verify(authorization);
      },
      ready: () => verifier.ready(),
    });

    const answer = fetch(`${worker.url}/trpc/whoami`, { headers: authHeaders });
    await inFlight;
    let closed = false;
    const closing = worker.close(timeoutMs).then(() => (closed = true));
    const acceptedWhileClosing = await accepts(worker.port);
    const closedBeforeAnswer = closed;

    release();
    const response = await answer;
    const body: unknown = await response.json();
    const answered = performance.now();
    await closing;
    return {
      response,
      body,
      acceptedWhileClosing,
      closedBeforeAnswer,
      closeMsAfterAnswer: performance.now() - answered,
    };
  }

  it("lets an in-flight request finish, then closes", async () => {
    const run = await closeDuringRequest(2_000);
    expect(run.acceptedWhileClosing).toBe(false);
    expect(run.closedBeforeAnswer).toBe(false);
    expect(run.response.status).toBe(200);
    expect(run.body).toMatchObject({ result: { data: { userId: claims.sub } } });
  });

  it("closes as soon as the in-flight request is answered", async () => {
    const run = await closeDuringRequest(2_000);
    expect(run.closeMsAfterAnswer).toBeLessThan(500);
  });
});
