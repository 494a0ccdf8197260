import { TRPCError } from "@trpc/server";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createTokenCache } from "~/lib/token-cache";
import { createWorkerClient } from "~/lib/worker-client";
import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { auth, createAuth } from "~/server/auth";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { createPrismaClient } from "~/server/db/prisma";
import { workerTokenCache } from "~/server/worker-token-cache";
import { signWorkerToken } from "~/server/worker-token";
import { TestBrowser, uniqueEmail } from "../support/test-browser";
import { createTestDatabase } from "../support/test-database";
import { serveAuth } from "../support/serve-auth";
import { sourceWorker } from "../support/source-worker";
import { freePorts } from "../../tooling/child-service";

// The web tier's tRPC (in this process) calling the worker as a real child
// process over HTTP; the worker fetches the public keys from the web tier's
// Better Auth routes, served here on a real port.

const issuer = process.env.BETTER_AUTH_URL!;
const webOrigin = new URL(issuer).origin;

let authServer: Awaited<ReturnType<typeof serveAuth>>;
let worker: ReturnType<typeof sourceWorker>;

function workerEnv(jwksBaseUrl: string): Record<string, string> {
  return {
    BETTER_AUTH_URL: issuer,
    WORKER_JWKS_URL: `${jwksBaseUrl}/api/auth/jwks`,
    // Pick up a rotated key at once instead of after the default cooldown.
    WORKER_JWKS_COOLDOWN: "0",
    LOG_LEVEL: "info",
  };
}

beforeAll(async () => {
  const [port] = await freePorts(1);
  // Before anything reads src/env.ts (serving auth does).
  process.env.WORKER_URL = `http://127.0.0.1:${port}`;
  authServer = await serveAuth(auth);
  worker = sourceWorker({ name: "link-worker", port: port!, env: workerEnv(authServer.url) });
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
  await authServer.close();
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
  return { response, body: (await response.json()) as { result?: { data: { userId: string } }; error?: { data: { reason: string } } } };
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
      topTerms: [{ term: "apples", count: 2 }, { term: "pears", count: 1 }],
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
    const { api } = await signedIn();
    await api.worker.whoami();

    expect(await worker.stop()).toBe(0); // SIGTERM: graceful exit
    expect(await worker.logs()).toContain('"msg":"worker stopped"');

    const error = await api.worker.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect((error as Error).message).toMatch(/^Worker unavailable: nothing answered at http:\/\/127\.0\.0\.1:\d+/);
    await expect(api.session.me()).resolves.toMatchObject({ user: { name: "Link Tester" } });

    await worker.start();
    await expect(api.worker.whoami()).resolves.toMatchObject({ name: "Link Tester" });
  });
});

describe("signing-key rotation", () => {
  // A deployment of its own (fresh database, web auth, worker) configured to
  // rotate every 2 s with a 3 s grace period.
  let rotating: ReturnType<typeof createAuth>;
  let db: ReturnType<typeof createPrismaClient>;
  let dropDatabase: () => Promise<void>;
  let server: Awaited<ReturnType<typeof serveAuth>>;
  let rotatingWorker: ReturnType<typeof sourceWorker>;

  beforeAll(async () => {
    const database = await createTestDatabase(inject("testServerUrl") || undefined);
    dropDatabase = database.drop;
    await migrateDeploy(database.url);
    db = createPrismaClient(database.url);
    rotating = createAuth({
      db,
      secret: process.env.BETTER_AUTH_SECRET!,
      baseURL: issuer,
      workerTokenTtl: 900,
      keyRotationInterval: 2,
      keyGracePeriod: 3,
    });
    server = await serveAuth(rotating);
    const [port] = await freePorts(1);
    rotatingWorker = sourceWorker({ name: "rotating-worker", port: port!, env: workerEnv(server.url) });
    await rotatingWorker.start();
  });

  afterAll(async () => {
    await rotatingWorker.stop();
    await server.close();
    await db.$disconnect();
    await dropDatabase();
  });

  const subject = { user: { id: "u-rot", email: "rot@example.test", name: "Rotation" }, session: { id: "s-rot" } };
  const sign = () => signWorkerToken(rotating, subject, { ttlSeconds: 900 });
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const status = async (token: string) => {
    const response = await fetch(`${rotatingWorker.url}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { error?: { data: { reason: string } } };
    return body.error ? `${response.status} ${body.error.data.reason}` : String(response.status);
  };
  const publishedKids = async () => {
    const { keys } = (await (await fetch(`${server.url}/api/auth/jwks`)).json()) as { keys: { kid: string }[] };
    return keys.map((key) => key.kid);
  };

  it("signs with a new key after the interval; old tokens verify within the grace period, not after", async () => {
    const before = await sign();
    expect(await status(before.token)).toBe("200");

    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const after = await sign();

    expect(kidOf(after.token)).not.toBe(kidOf(before.token));
    expect(await status(after.token)).toBe("200"); // unknown kid → the worker refetched the key set
    expect(await publishedKids()).toEqual(expect.arrayContaining([kidOf(before.token), kidOf(after.token)]));
    // A fresh worker, so nothing is answered from its verified-token cache.
    await rotatingWorker.stop();
    await rotatingWorker.start();
    expect(await status(before.token)).toBe("200");

    // Past rotation (2 s) + grace (3 s) the old key is no longer published.
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    expect(await publishedKids()).not.toContain(kidOf(before.token));
    await rotatingWorker.stop();
    await rotatingWorker.start();
    expect(await status(before.token)).toBe("401 unknown_key");
  });
});
