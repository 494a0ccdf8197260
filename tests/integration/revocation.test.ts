import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { auth } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { WORKER_DB_ROLE } from "~/worker/db";
import { freePorts } from "../../tooling/child-service";
import { percentiles } from "../../tooling/percentiles";
import { timeToRefusal as timeToRefusalBy, whoami } from "../support/revocation-watch";
import { sourceWorker } from "../support/source-worker";
import { TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

// Every way a session ends, measured the way an attacker holding a token
// would see it: a client keeps calling two worker processes directly with
// the session's token while the session is revoked, and each worker must
// refuse it within a second.

const issuer = process.env.BETTER_AUTH_URL!;
const REVOCATION_BUDGET_MS = 1_000;

let workers: ReturnType<typeof sourceWorker>[];
const latencies: number[] = [];

beforeAll(async () => {
  const ports = await freePorts(2);
  // Before anything reads src/env.ts: the web tier's own worker calls go to
  // the first worker.
  process.env.WORKER_URL = `http://127.0.0.1:${ports[0]!}`;
  workers = ports.map((port, index) =>
    sourceWorker({
      name: `revocation-worker-${index + 1}`,
      port,
      env: {
        BETTER_AUTH_URL: issuer,
        WORKER_DATABASE_URL: process.env.DATABASE_URL!,
      },
    }),
  );
  await Promise.all(workers.map((worker) => worker.start()));
});

afterAll(async () => {
  if (latencies.length > 0) {
    const { p50, p99 } = percentiles(latencies);
    console.log(
      `revocation latency over ${latencies.length} (revocation, worker) pairs: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
    );
  }
  await Promise.all(workers.map((worker) => worker.stop()));
});

/** A signed-in browser, its session id and a worker token minted for it. */
async function signedIn(browser = new TestBrowser(), email?: string) {
  if (email) {
    const signIn = await browser.post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(signIn.status).toBe(200);
  } else {
    ({ email } = await browser.signUp({ email: uniqueEmail("revoke"), name: "Revoked Tester" }));
  }
  const api = createCaller(await createTRPCContext({ headers: browser.headers() }));
  const { session, user } = await api.session.me();
  const { token } = await api.auth.workerToken();
  return { browser, email, api, token, sessionId: session.id, userId: user.id };
}

/** How long each worker kept accepting `token` after `revoke` returned (support/revocation-watch.ts), recorded. */
async function timeToRefusal(tokens: string | string[], revoke: () => Promise<unknown>): Promise<number[]> {
  const measured = await timeToRefusalBy(workers, tokens, revoke);
  latencies.push(...measured);
  return measured;
}

describe("revocation reaches both workers within a second", () => {
  it("sign-out", async () => {
    const { browser, token } = await signedIn();
    const ms = await timeToRefusal(token, () => browser.post("/sign-out"));
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("revoke-session (by its token)", async () => {
    const { browser, token, sessionId } = await signedIn();
    const { token: sessionToken } = await db.session.findUniqueOrThrow({
      where: { id: sessionId },
      select: { token: true },
    });
    const ms = await timeToRefusal(token, () =>
      auth.api.revokeSession({ headers: browser.headers(), body: { token: sessionToken } }),
    );
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("revoke-other-sessions: the other device's token dies, this one's lives", async () => {
    const here = await signedIn();
    const other = await signedIn(new TestBrowser(), here.email);
    const ms = await timeToRefusal(other.token, () => here.browser.post("/revoke-other-sessions"));
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
    for (const worker of workers) expect((await whoami(worker.url, here.token)).status).toBe(200);
  });

  it("revoke-sessions: every session of the user", async () => {
    const here = await signedIn();
    const other = await signedIn(new TestBrowser(), here.email);
    const ms = await timeToRefusal([here.token, other.token], () => here.browser.post("/revoke-sessions"));
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("password change with revokeOtherSessions", async () => {
    const here = await signedIn();
    const other = await signedIn(new TestBrowser(), here.email);
    const ms = await timeToRefusal(other.token, () =>
      here.browser.post("/change-password", {
        currentPassword: TEST_PASSWORD,
        newPassword: `${TEST_PASSWORD} 2`,
        revokeOtherSessions: true,
      }),
    );
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("the user row deleted straight in the database (sessions go by cascade)", async () => {
    const { token, userId } = await signedIn();
    const ms = await timeToRefusal(token, () => db.user.delete({ where: { id: userId } }));
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("the session row deleted straight in the database", async () => {
    const { token, sessionId } = await signedIn();
    const ms = await timeToRefusal(token, () => db.session.delete({ where: { id: sessionId } }));
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });

  it("session expiry (the row's expiresAt passes)", async () => {
    const { token, sessionId } = await signedIn();
    const ms = await timeToRefusal(token, () =>
      db.session.update({ where: { id: sessionId }, data: { expiresAt: new Date(Date.now() - 1_000) } }),
    );
    for (const value of ms) expect(value).toBeLessThan(REVOCATION_BUDGET_MS);
  });
});

describe("after a revocation", () => {
  it("a restarted worker refuses the token from its first request", async () => {
    const { browser, token } = await signedIn();
    await browser.post("/sign-out");
    const [first] = workers;
    await first!.stop();
    await first!.start();
    expect(await whoami(first!.url, token)).toEqual({ status: 401, reason: "revoked" });
  });

  it("the web tier's cached worker token is not reused for a user deleted in the database", async () => {
    const { browser, api, userId } = await signedIn();
    await api.worker.whoami(); // the web tier now holds a worker token for this session
    await db.user.delete({ where: { id: userId } });
    // The same cookies, a new request: its session is read from the database.
    const replayed = createCaller(await createTRPCContext({ headers: browser.headers() }));
    await expect(replayed.worker.whoami()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(replayed.session.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("replayed cookies of a signed-out session get no session, with or without a cache", async () => {
    const { browser } = await signedIn();
    const stolen = new Headers({ cookie: browser.cookie });
    expect(await auth.api.getSession({ headers: stolen })).not.toBeNull();
    await browser.post("/sign-out");
    // Not even for the few minutes a cookie cache would have allowed.
    expect(await auth.api.getSession({ headers: stolen })).toBeNull();
  });
});

describe("the worker's database role", () => {
  /** Runs `sql` as the worker runs its queries: in a transaction, as app_worker. */
  async function asWorker(sql: string, { readOnly = true } = {}) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(readOnly ? "BEGIN READ ONLY" : "BEGIN");
      await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
      return (await client.query<Record<string, unknown>>(sql)).rows;
    } finally {
      await client.query("ROLLBACK").catch(() => undefined);
      await client.end();
    }
  }

  it("reads whether a session exists, whose it is and when it ends", async () => {
    const { sessionId, userId } = await signedIn();
    const rows = await asWorker(`SELECT "id", "userId", "expiresAt" FROM "session" WHERE "id" = '${sessionId}'`);
    expect(rows).toEqual([{ id: sessionId, userId, expiresAt: expect.any(Date) }]);
  });

  it.each([
    ["session tokens", 'SELECT "token" FROM "session"'],
    ["password hashes", 'SELECT "password" FROM "account"'],
    ["signing keys", 'SELECT "privateKey" FROM "jwks"'],
    // Only the account export's five profile columns are granted.
    ["whole user rows", 'SELECT * FROM "user"'],
    ["a user's picture", 'SELECT "image" FROM "user"'],
    ["rate-limit counters", 'SELECT * FROM "rate_limit"'],
  ])("cannot read %s", async (_, sql) => {
    await expect(asWorker(sql)).rejects.toThrow(/permission denied/);
  });

  it("cannot write what it may read", async () => {
    // Not even outside the read-only transaction the worker uses.
    await expect(asWorker(`DELETE FROM "session"`, { readOnly: false })).rejects.toThrow(/permission denied/);
    await expect(asWorker(`UPDATE "session" SET "expiresAt" = now()`, { readOnly: false })).rejects.toThrow(
      /permission denied/,
    );
  });
});
