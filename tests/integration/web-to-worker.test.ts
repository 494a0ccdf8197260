import { TRPCError } from "@trpc/server";
import { decodeProtectedHeader } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";

import { GET, POST } from "~/app/api/trpc/[trpc]/route";
import { MAX_BATCH_CALLS, MAX_BODY_BYTES } from "~/contract/request-limits";

import { createTokenCache } from "~/worker-client/token-cache";
import { createWorkerClient } from "~/worker-client/worker-client";
import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { createAuth } from "~/server/auth";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { createPrismaClient } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { workerTokenCache } from "~/server/worker-token-cache";
import { signWorkerToken } from "~/server/worker-token";
import { TestBrowser, uniqueEmail } from "../support/test-browser";
import { createTestDatabase } from "../support/test-database";
import { sourceWorker } from "../support/source-worker";
import { freePorts } from "../../tooling/child-service";

// The web tier's tRPC (in this process) calling the worker as a real child
// process over HTTP; the worker reads the public keys from the database, and
// no web tier HTTP server runs at all.

const issuer = process.env.BETTER_AUTH_URL!;
const webOrigin = new URL(issuer).origin;

let worker: ReturnType<typeof sourceWorker>;

function workerEnv(): Record<string, string> {
  return {
    BETTER_AUTH_URL: issuer,
    // Pick up a rotated key at once instead of after the default cooldown.
    WORKER_JWKS_COOLDOWN: "0",
    LOG_LEVEL: "info",
  };
}

beforeAll(async () => {
  const [port] = await freePorts(1);
  // Before anything reads src/env.ts.
  process.env.WORKER_URL = `http://127.0.0.1:${port}`;
  worker = sourceWorker({
    name: "link-worker",
    port: port!,
    env: { ...workerEnv(), WORKER_DATABASE_URL: process.env.DATABASE_URL! },
  });
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
});

async function signedIn() {
  const browser = new TestBrowser();
  const { email } = await browser.signUp({ email: uniqueEmail("link"), name: "Link Tester" });
  return { browser, email, api: await callerFor(browser.headers()) };
}

async function callerFor(headers: Headers) {
  return createCaller(await createTRPCContext({ headers }));
}

async function callWorkerDirectly(token: string, origin = webOrigin) {
  const response = await fetch(`${worker.url}/trpc/whoami`, { headers: { authorization: `Bearer ${token}`, origin } });
  return {
    response,
    body: (await response.json()) as { result?: { data: { userId: string } }; error?: { data: { reason: string } } },
  };
}

describe("web tier → worker over HTTP", () => {
  it("whoami through the web tier is the signed-in user and session", async () => {
    const { api, email } = await signedIn();
    const me = await api.session.me();

    const seen = await api.worker.whoami();

    expect(seen).toMatchObject({ userId: me.user.id, email, name: "Link Tester", sessionId: me.session.id });
    expect(seen.tokenExpiresAt - seen.tokenIssuedAt).toBe(15 * 60 * 1000);
  });

  it("mints one token per session and reuses it, even for concurrent calls", async () => {
    const { api } = await signedIn();

    const concurrent = await Promise.all(Array.from({ length: 20 }, () => api.worker.whoami()));
    const sequential = [];
    for (let i = 0; i < 20; i++) sequential.push(await api.worker.whoami());

    expect(new Set([...concurrent, ...sequential].map((seen) => seen.tokenId)).size).toBe(1);
  });

  it("runs the worker's textStats and passes its validation errors back readably", async () => {
    const { api } = await signedIn();

    await expect(api.worker.textStats({ text: "Apples and pears. Apples!" })).resolves.toMatchObject({
      words: 4,
      sentences: 2,
      topTerms: [
        { term: "apples", count: 2 },
        { term: "pears", count: 1 },
      ],
    });
    await expect(api.worker.textStats({ text: "" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Paste some text to analyse.",
    });
  });

  it("browser path: the exchange's token works against the worker directly, CORS for the web origin only", async () => {
    const { api } = await signedIn();
    const me = await api.session.me();

    const { token, expiresAt } = await api.auth.workerToken();
    expect(expiresAt).toBeGreaterThan(Date.now() + 14 * 60 * 1000);

    const allowed = await callWorkerDirectly(token);
    expect(allowed.response.status).toBe(200);
    expect(allowed.body.result?.data.userId).toBe(me.user.id);
    expect(allowed.response.headers.get("access-control-allow-origin")).toBe(webOrigin);

    const foreign = await callWorkerDirectly(token, "https://evil.example");
    expect(foreign.response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("browser-style client: same cache rules, typed result", async () => {
    const { api } = await signedIn();
    const me = await api.session.me();
    let mints = 0;
    const client = createWorkerClient({
      url: worker.url,
      tokens: createTokenCache(),
      sessionId: me.session.id,
      mint: () => {
        mints++;
        return api.auth.workerToken();
      },
    });

    const results = await Promise.all([client.whoami.query(), client.whoami.query(), client.whoami.query()]);

    expect(results.map((r) => r.sessionId)).toEqual([me.session.id, me.session.id, me.session.id]);
    expect(mints).toBe(1);
  });

  it("a token the worker refuses is dropped and the call retried once with a fresh one", async () => {
    const { api } = await signedIn();
    const { session } = await api.session.me();
    // A cached token the worker will refuse (say, signed by a retired key).
    await workerTokenCache.get(session.id, async () => ({ token: "not.a.token", expiresAt: Date.now() + 600_000 }));

    const seen = await api.worker.whoami();

    expect(seen.sessionId).toBe(session.id);
    const held = await workerTokenCache.get(session.id, () => Promise.reject(new Error("should be cached")));
    expect(held.token).not.toBe("not.a.token");
  });

  it("sign-out drops the session's cached token, and a stale cookie cannot mint a new one", async () => {
    const { browser, api } = await signedIn();
    const { session } = await api.session.me();
    const headersWhileSignedIn = browser.headers();
    await api.worker.whoami();
    expect(workerTokenCache.has(session.id)).toBe(true);

    expect((await browser.post("/sign-out")).status).toBe(200);

    expect(workerTokenCache.has(session.id)).toBe(false);
    // The old cookies still pass the 5-minute cookie cache, but the session
    // row is gone: no token is minted for it.
    const stale = await callerFor(headersWhileSignedIn);
    await expect(stale.worker.whoami()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(stale.auth.workerToken()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("logs one request id in both tiers' calls and never the token", async () => {
    const { browser } = await signedIn();
    const requestId = `itest-${Date.now()}`;
    const headers = browser.headers();
    headers.set("x-request-id", requestId);
    const api = await callerFor(headers);
    const { token } = await api.auth.workerToken();

    await api.worker.whoami();
    await callWorkerDirectly(token);

    // The worker logs a request once its answer is sent: give the line a moment to land.
    const linesWith = async (text: string) => (await worker.logs()).split("\n").filter((line) => line.includes(text));
    await expect.poll(() => linesWith(requestId)).toHaveLength(1);
    const lines = await linesWith(requestId);
    const logs = await worker.logs();
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: "worker", requestId, path: "/trpc/whoami", status: 200 });
    expect(logs).not.toContain(token);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT of any kind
  });
});

describe("worker down", () => {
  it("gives a typed SERVICE_UNAVAILABLE, keeps the web tier answering, and recovers when it is back", async () => {
    const { api, browser } = await signedIn();
    await api.worker.whoami();

    expect(await worker.stop()).toBe(0); // SIGTERM: graceful exit
    expect(await worker.logs()).toContain('"msg":"worker stopped"');

    const error = await api.worker.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    // WORKER_URL is an internal address (a compose service name): never in what a browser reads.
    expect((error as Error).message).toBe("The worker is unavailable: nothing answered. Is it running?");
    const overHttp = await webTrpc(browser, "worker.whoami");
    expect(overHttp.status).toBe(503);
    expect(overHttp.text).toContain("The worker is unavailable");
    expect(overHttp.text).not.toContain(new URL(worker.url).host);
    await expect(api.session.me()).resolves.toMatchObject({ user: { name: "Link Tester" } });

    await worker.start();
    await expect(api.worker.whoami()).resolves.toMatchObject({ name: "Link Tester" });
  });
});

/** A request to the web tier's /api/trpc route handler, as `browser` sends it. */
async function webTrpc(
  browser: TestBrowser,
  procedures: string,
  { body, headers = {} }: { body?: BodyInit; headers?: Record<string, string> } = {},
) {
  const sent = browser.headers();
  if (body !== undefined) sent.set("content-type", "application/json");
  for (const [name, value] of Object.entries(headers)) sent.set(name, value);
  const request = new Request(`${webOrigin}/api/trpc/${procedures}`, {
    method: body === undefined ? "GET" : "POST",
    headers: sent,
    body,
    duplex: "half",
  } as RequestInit);
  const response = await (body === undefined ? GET : POST)(request);
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as unknown };
}

/** textStats' input as superjson sends it, with `meta` of the caller's choosing. */
const textStatsBody = (json: unknown, meta?: unknown) => JSON.stringify(meta === undefined ? { json } : { json, meta });

/** A body stream of `total` bytes that counts how much of it was read. */
function countedBody(total: number, chunk = 64 * 1024) {
  const read = { bytes: 0 };
  const piece = new Uint8Array(chunk).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (read.bytes >= total) return controller.close();
      read.bytes += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  return { stream, read };
}

describe("the web tier's /api/trpc answers bad input with a 4xx, never a 5xx", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a 100,000-deep input is a 400 that says why (was a 502: the worker client's JSON.stringify overflowed)", async () => {
    const { browser } = await signedIn();
    const deep = "[".repeat(100_000) + '"x"' + "]".repeat(100_000);

    const answer = await webTrpc(browser, "worker.textStats", { body: `{"json":{"text":${deep}}}` });

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      error: {
        json: { message: "The input is nested too deeply (more than 32 levels).", data: { code: "BAD_REQUEST" } },
      },
    });
    expect(answer.text).not.toMatch(/call stack/i);
  });

  it.each([
    ["a BigInt that is no number", { values: { text: ["bigint"] } }],
    ["a class nobody registered", { values: { text: ["class", "Nope"] } }],
    ["a Map that is no list", { values: ["map"] }],
    ["an unknown transformation", { values: [5] }],
    ["annotations that are a string", { values: "x" }],
    ["referential equalities of the wrong shape", { referentialEqualities: ["x"] }],
  ])(
    "malformed superjson meta (%s) is a 400, and nothing in the error log (was a 500 with a stack)",
    async (_, meta) => {
      const { browser } = await signedIn();
      const errors = vi.spyOn(logger, "error");

      const answer = await webTrpc(browser, "worker.textStats", { body: textStatsBody({ text: "hello" }, meta) });

      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        error: {
          json: {
            message: "The input could not be decoded: its superjson metadata is malformed.",
            data: { code: "BAD_REQUEST" },
          },
        },
      });
      expect(errors).not.toHaveBeenCalled();
    },
  );

  it("a meta that makes the input cyclic never reads as 'worker unavailable' (was a 503 with the worker up)", async () => {
    const { browser } = await signedIn();

    const answer = await webTrpc(browser, "worker.textStats", {
      body: textStatsBody({ text: "hello" }, { referentialEqualities: [[""]] }),
    });

    // The worker's schema keeps the text and drops the cycle: an ordinary answer.
    expect(answer.status).toBe(200);
    expect(answer.text).not.toMatch(/unavailable/i);
  });

  it("input the worker's own schema refuses is refused by the web tier: no token minted, no worker call", async () => {
    const { browser, api } = await signedIn();
    const { session } = await api.session.me();
    const requestId = `refused-${Date.now()}`;

    const tooLong = await webTrpc(browser, "worker.textStats", {
      body: textStatsBody({ text: "a".repeat(100_001) }),
      headers: { "x-request-id": requestId },
    });
    const notText = await webTrpc(browser, "worker.textStats", { body: textStatsBody({ text: { nested: ["x"] } }) });

    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toMatchObject({
      error: {
        json: {
          message: "Documents are limited to 100,000 characters.",
          data: { zodError: { fieldErrors: { text: [expect.any(String)] } } },
        },
      },
    });
    expect(notText.status).toBe(400);
    expect(workerTokenCache.has(session.id)).toBe(false);
    expect(await worker.logs()).not.toContain(requestId);
  });

  it(`a batch of more than ${MAX_BATCH_CALLS} calls is a 400; ${MAX_BATCH_CALLS} are served`, async () => {
    const { browser } = await signedIn();
    const batch = (n: number) => `${Array.from({ length: n }, () => "worker.whoami").join(",")}?batch=1`;

    const tooMany = await webTrpc(browser, batch(MAX_BATCH_CALLS + 1));
    const most = await webTrpc(browser, batch(MAX_BATCH_CALLS));

    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain("Batch call exceeds maximum size");
    expect(most.status).toBe(200);
    expect(most.json).toHaveLength(MAX_BATCH_CALLS);
  });

  it("a 10 MB body that says so is a 413, and not a byte of it is read (was forwarded to the worker)", async () => {
    const { browser } = await signedIn();
    const { stream, read } = countedBody(10 * 1024 * 1024);

    const answer = await webTrpc(browser, "worker.textStats", {
      body: stream,
      headers: { "content-length": String(10 * 1024 * 1024) },
    });

    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({
      error: { json: { message: "A request may carry at most 1 MiB.", data: { code: "PAYLOAD_TOO_LARGE" } } },
    });
    expect(read.bytes).toBeLessThanOrEqual(64 * 1024); // at most the one chunk a stream reads ahead
  });

  it("a 10 MB body sent without a length (chunked) is a 413, cut off just past the limit", async () => {
    const { browser } = await signedIn();
    const { stream, read } = countedBody(10 * 1024 * 1024);

    const answer = await webTrpc(browser, "worker.textStats", { body: stream });

    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: { json: { data: { code: "PAYLOAD_TOO_LARGE" } } } });
    expect(read.bytes).toBeGreaterThan(MAX_BODY_BYTES);
    expect(read.bytes).toBeLessThan(MAX_BODY_BYTES + 4 * 64 * 1024);
  });

  it("a body within the limit, with or without a length, is served", async () => {
    const { browser } = await signedIn();
    const body = textStatsBody({ text: "Apples and pears." });

    const declared = await webTrpc(browser, "worker.textStats", {
      body,
      headers: { "content-length": String(Buffer.byteLength(body)) },
    });
    const chunked = await webTrpc(browser, "worker.textStats", { body: new Blob([body]).stream() });

    expect([declared.status, chunked.status]).toEqual([200, 200]);
    expect(chunked.json).toMatchObject({ result: { data: { json: { words: 3 } } } });
  });
});

describe("signing-key rotation", () => {
  const GRACE_SECONDS = 5;
  // A deployment of its own (fresh database, web auth, two workers)
  // configured to rotate every 2 s with a 5 s grace period. The second
  // worker gets no call until the old key is retired: nothing is answered
  // from its verified-token cache (a restart took over 10 s on a busy machine,
  // longer than any grace a test can wait out).
  let rotating: ReturnType<typeof createAuth>;
  let db: ReturnType<typeof createPrismaClient>;
  let dropDatabase: () => Promise<void>;
  let rotatingWorker: ReturnType<typeof sourceWorker>;
  let freshWorker: ReturnType<typeof sourceWorker>;

  beforeAll(async () => {
    const database = await createTestDatabase(inject("testServerUrl"));
    dropDatabase = database.drop;
    await migrateDeploy(database.url);
    db = createPrismaClient(database.url);
    rotating = createAuth({
      db,
      secret: process.env.BETTER_AUTH_SECRET!,
      baseURL: issuer,
      workerTokenTtl: 900,
      keyRotationInterval: 2,
      keyGracePeriod: GRACE_SECONDS,
    });
    const ports = await freePorts(2);
    // The workers check each token's session in this deployment's database.
    const env = { ...workerEnv(), WORKER_DATABASE_URL: database.url, JWT_GRACE_PERIOD: String(GRACE_SECONDS) };
    rotatingWorker = sourceWorker({ name: "rotating-worker", port: ports[0]!, env });
    freshWorker = sourceWorker({ name: "rotating-worker-fresh", port: ports[1]!, env });
    await db.user.create({ data: { id: subject.user.id, email: subject.user.email, name: subject.user.name } });
    await db.session.create({
      data: {
        id: subject.session.id,
        token: "rotation-session",
        userId: subject.user.id,
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    await Promise.all([rotatingWorker.start(), freshWorker.start()]);
  });

  afterAll(async () => {
    await Promise.all([rotatingWorker.stop(), freshWorker.stop()]);
    await db.$disconnect();
    await dropDatabase();
  });

  const subject = { user: { id: "u-rot", email: "rot@example.test", name: "Rotation" }, session: { id: "s-rot" } };
  const sign = () => signWorkerToken(rotating, subject, { ttlSeconds: 900 });
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const status = async (token: string, worker = rotatingWorker) => {
    const response = await fetch(`${worker.url}/trpc/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error?: { data: { reason: string } } };
    return body.error ? `${response.status} ${body.error.data.reason}` : String(response.status);
  };
  const publishedKids = async () => {
    const response = await rotating.handler(new Request(`${issuer}/api/auth/jwks`));
    const { keys } = (await response.json()) as { keys: { kid: string }[] };
    return keys.map((key) => key.kid);
  };

  it("signs with a new key after the interval; old tokens verify within the grace period, not after", async () => {
    const before = await sign();
    expect(await status(before.token)).toBe("200");

    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const after = await sign();

    expect(kidOf(after.token)).not.toBe(kidOf(before.token));
    expect(await status(after.token)).toBe("200"); // unknown kid → the worker re-read the key set
    expect(await publishedKids()).toEqual(expect.arrayContaining([kidOf(before.token), kidOf(after.token)]));
    // A worker that never saw it, so nothing is answered from its verified-token cache.
    expect(await status(before.token, freshWorker)).toBe("200");

    // Past its expiry + grace the old key is no longer published, and no
    // longer verifies, even for the token the worker had verified.
    const { expiresAt } = await db.jwks.findUniqueOrThrow({ where: { id: kidOf(before.token)! } });
    await new Promise((resolve) => setTimeout(resolve, expiresAt!.getTime() + GRACE_SECONDS * 1000 + 200 - Date.now()));
    expect(await publishedKids()).not.toContain(kidOf(before.token));
    expect(await status(before.token)).toBe("401 unknown_key");
    expect(await status(before.token, freshWorker)).toBe("401 unknown_key");
    expect(await status(after.token, freshWorker)).toBe("200");
  });
});
