import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "~/server/db/prisma";
import { freePorts } from "../../tooling/child-service";
import { percentiles } from "../../tooling/percentiles";
import { sourceWeb } from "../support/source-web";
import { TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

// The web tier holds sessions in memory per process (the session cache,
// src/server/session-cache). Two web processes, A and B, on the run's
// database: a session ended (or a user changed) on A, or in the database by
// hand, must be refused (or seen changed) by B within a second while B keeps
// being asked; A, which made the change itself, must see it at once.

const BUDGET_MS = 1_000;

let a: ReturnType<typeof sourceWeb>;
let b: ReturnType<typeof sourceWeb>;
const latencies: number[] = [];

beforeAll(async () => {
  const [portA, portB] = await freePorts(2);
  a = sourceWeb({ name: "session-cache-web-a", port: portA! });
  b = sourceWeb({ name: "session-cache-web-b", port: portB! });
  await Promise.all([a.start(), b.start()]);
});

afterAll(async () => {
  if (latencies.length > 0) {
    const { p50, p99 } = percentiles(latencies);
    console.log(
      `web session cache: seen by the other process after p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
    );
  }
  await Promise.all([a.stop(), b.stop()]);
});

interface Answer {
  status: number;
  body: { sessionId: string; user: { name: string; emailVerified: boolean } } | null;
}

/** What web process `url` reads as the session of `cookie` (its pages' and tRPC calls' read). */
async function sessionAt(url: string, cookie: string): Promise<Answer> {
  return (await sessionAndHeld(url, cookie)).answer;
}

async function sessionAndHeld(url: string, cookie: string) {
  const response = await fetch(`${url}/session`, { headers: { cookie } });
  const answer: Answer = { status: response.status, body: (await response.json()) as Answer["body"] };
  return { answer, held: Number(response.headers.get("x-sessions-held")) };
}

/** A browser signed in through A, its session read (so held) by both processes. */
async function signedIn(email?: string) {
  const browser = new TestBrowser({ server: a.url });
  if (email) expect((await browser.post("/sign-in/email", { email, password: TEST_PASSWORD })).status).toBe(200);
  else ({ email } = await browser.signUp({ email: uniqueEmail("web-cache"), name: "Cached Tester" }));
  for (const web of [a, b]) {
    const { answer, held } = await sessionAndHeld(web.url, browser.cookie);
    expect(answer.status).toBe(200);
    // Held in memory from now on: what follows tests how long it stays right.
    expect(held).toBeGreaterThan(0);
  }
  const { body } = await sessionAt(a.url, browser.cookie);
  return { browser, email, cookie: browser.cookie, sessionId: body!.sessionId };
}

/**
 * A change made by hand (not through A) reaches A by its own poll, on its own
 * clock: it may see it up to a poll after B did, so A is asked until the budget.
 */
async function expectOnA<T>(cookie: string, read: (answer: Answer) => T, expected: T) {
  await expect
    .poll(async () => read(await sessionAt(a.url, cookie)), { timeout: BUDGET_MS, interval: 50 })
    .toBe(expected);
}

/**
 * Asks B in a tight loop while `change` runs; returns how long after `change`
 * returned B still answered what `before` accepts (0: not once after). A's
 * first answer after the change must already be the new one when `atOnceOnA`.
 */
async function timeUntilB(
  cookie: string,
  before: (answer: Answer) => boolean,
  change: () => Promise<unknown>,
  { atOnceOnA = false } = {},
): Promise<number> {
  expect(before(await sessionAt(b.url, cookie))).toBe(true);
  let changedAt = Infinity;
  const watch = async () => {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const answer = await sessionAt(b.url, cookie);
      if (!before(answer)) return { answer, sentAt };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error("B still answers as before 10 s after the change");
  };
  const watching = watch();
  await new Promise((resolve) => setTimeout(resolve, 30));
  await change();
  changedAt = performance.now();
  if (atOnceOnA) expect(before(await sessionAt(a.url, cookie))).toBe(false);
  const { sentAt } = await watching;
  const ms = Math.max(0, sentAt - changedAt);
  latencies.push(ms);
  return ms;
}

const signedInAnswer = (answer: Answer) => answer.status === 200;

describe("a session ended on one web process is refused by the other within a second", () => {
  it("sign-out", async () => {
    const { browser, cookie } = await signedIn();
    const ms = await timeUntilB(cookie, signedInAnswer, () => browser.post("/sign-out"), { atOnceOnA: true });
    expect(ms).toBeLessThan(BUDGET_MS);
    expect(await sessionAt(b.url, cookie)).toEqual({ status: 401, body: null });
  });

  it("revoke-other-sessions: the other session ends, this one goes on", async () => {
    const here = await signedIn();
    const other = await signedIn(here.email);
    const ms = await timeUntilB(other.cookie, signedInAnswer, () => here.browser.post("/revoke-other-sessions"), {
      atOnceOnA: true,
    });
    expect(ms).toBeLessThan(BUDGET_MS);
    for (const web of [a, b]) expect((await sessionAt(web.url, here.cookie)).status).toBe(200);
  });

  it("revoke-sessions", async () => {
    const { browser, cookie } = await signedIn();
    const ms = await timeUntilB(cookie, signedInAnswer, () => browser.post("/revoke-sessions"), { atOnceOnA: true });
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it("a password change that revokes the other sessions", async () => {
    const here = await signedIn();
    const other = await signedIn(here.email);
    const ms = await timeUntilB(
      other.cookie,
      signedInAnswer,
      () =>
        here.browser.post("/change-password", {
          currentPassword: TEST_PASSWORD,
          newPassword: `${TEST_PASSWORD} 2`,
          revokeOtherSessions: true,
        }),
      { atOnceOnA: true },
    );
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it("the session row deleted in the database by hand", async () => {
    const { cookie, sessionId } = await signedIn();
    const ms = await timeUntilB(
      cookie,
      signedInAnswer,
      () => db.$executeRaw`DELETE FROM "session" WHERE "id" = ${sessionId}`,
    );
    expect(ms).toBeLessThan(BUDGET_MS);
    await expectOnA(cookie, (answer) => answer.status, 401);
  });

  it("the user deleted in the database by hand (its sessions go by cascade)", async () => {
    const { cookie, email } = await signedIn();
    const ms = await timeUntilB(
      cookie,
      signedInAnswer,
      () => db.$executeRaw`DELETE FROM "user" WHERE "email" = ${email}`,
    );
    expect(ms).toBeLessThan(BUDGET_MS);
  });

  it("expiry (the row's expiresAt passes)", async () => {
    const { cookie, sessionId } = await signedIn();
    const ms = await timeUntilB(
      cookie,
      signedInAnswer,
      () => db.$executeRaw`UPDATE "session" SET "expiresAt" = now() - interval '1 second' WHERE "id" = ${sessionId}`,
    );
    expect(ms).toBeLessThan(BUDGET_MS);
  });
});

describe("a change to the user made on one web process is seen by the other within a second", () => {
  it("the name, changed through A", async () => {
    const { browser, cookie } = await signedIn();
    const ms = await timeUntilB(
      cookie,
      (answer) => answer.body?.user.name === "Cached Tester",
      () => browser.post("/update-user", { name: "Renamed Tester" }),
      { atOnceOnA: true },
    );
    expect(ms).toBeLessThan(BUDGET_MS);
    expect((await sessionAt(b.url, cookie)).body?.user.name).toBe("Renamed Tester");
  });

  it("emailVerified, set by hand without touching updatedAt (the rows' hash)", async () => {
    const { cookie, email } = await signedIn();
    // The hash is learnt by the first poll after a read (250 ms).
    await new Promise((resolve) => setTimeout(resolve, 600));
    const ms = await timeUntilB(
      cookie,
      (answer) => answer.body?.user.emailVerified === false,
      () => db.$executeRaw`UPDATE "user" SET "emailVerified" = true WHERE "email" = ${email}`,
    );
    expect(ms).toBeLessThan(BUDGET_MS);
    await expectOnA(cookie, (answer) => answer.body?.user.emailVerified, true);
  });
});
