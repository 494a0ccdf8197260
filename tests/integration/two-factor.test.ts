import { afterEach, describe, expect, it, vi } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { ACCOUNT_RULE } from "~/server/auth-rate-limit/rules";
import { db } from "~/server/db/prisma";
import { parseSetCookie, TEST_PASSWORD, TestBrowser, type TestResponse } from "../support/test-browser";
import { totpCodeAt as codeAt, TOTP_PERIOD_MS as PERIOD_MS, totpSecretOf } from "../support/totp";

// TOTP sign-in with Better Auth's two-factor plugin, through the app's own
// auth (its handler, its rate limiter, its database), with codes computed
// here from the secret the setup hands out (RFC 6238, the `otpauth`
// package) at the server's clock: the auth runs in this process.

afterEach(() => {
  vi.useRealTimers();
});

/** A 6-digit code that is none of the codes the server accepts around `ms`. */
function wrongCode(secret: string, ms: number): string {
  const valid = [-1, 0, 1].map((step) => codeAt(secret, ms + step * PERIOD_MS));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.includes(code)) return code;
  }
}

/** A user with two-factor sign-in on (set up and confirmed in `browser`), then signed out. */
async function userWithTwoFactor(browser = new TestBrowser()) {
  const { email } = await browser.signUp();
  const enable = await browser.post("/two-factor/enable", { password: TEST_PASSWORD });
  expect(enable.status).toBe(200);
  const totpURI = enable.json!.totpURI as string;
  const backupCodes = enable.json!.backupCodes as string[];
  expect(totpURI).toMatch(/^otpauth:\/\/totp\//);
  expect(backupCodes).toHaveLength(10);
  const secret = totpSecretOf(totpURI);
  // Until a code confirms the setup, nothing changes.
  expect((await browser.get("/get-session")).json).toMatchObject({ user: { twoFactorEnabled: false } });
  expect((await browser.post("/two-factor/verify-totp", { code: codeAt(secret, Date.now()) })).status).toBe(200);
  expect((await browser.get("/get-session")).json).toMatchObject({ user: { twoFactorEnabled: true } });
  expect((await browser.post("/sign-out")).status).toBe(200);
  const user = await db.user.findUniqueOrThrow({ where: { email } });
  return { email, userId: user.id, secret, backupCodes };
}

/** Signs in with the password in `browser`: the second factor is then pending. */
async function signInPending(browser: TestBrowser, email: string): Promise<TestResponse> {
  const answer = await browser.post("/sign-in/email", { email, password: TEST_PASSWORD });
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
  return answer;
}

/** The worker token exchange (tRPC auth.workerToken) as this browser would call it. */
async function workerToken(headers: Headers) {
  return createCaller(await createTRPCContext({ headers })).auth.workerToken();
}

describe("a sign-in waiting for its second factor", () => {
  it("is no session: no row, no usable cookie, nothing of the account, no worker token", async () => {
    const { email, userId } = await userWithTwoFactor();
    const browser = new TestBrowser();
    const answer = await signInPending(browser, email);

    expect(answer.json).not.toHaveProperty("token");
    expect(answer.json).not.toHaveProperty("user");
    expect(await db.session.count({ where: { userId } })).toBe(0);
    // Whatever session cookie the sign-in set on the way is expired in the same answer.
    const sessionCookies = answer.headers.getSetCookie().map(parseSetCookie);
    expect(browser.cookie).not.toContain("session_token");
    expect(browser.cookie).toContain("two_factor");
    expect((await browser.get("/get-session")).json).toBeNull();
    await expect(workerToken(browser.headers())).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // Nor does any session token seen on the way, replayed by hand.
    for (const { name, value } of sessionCookies.filter((cookie) => cookie.name.endsWith("session_token"))) {
      if (!value) continue;
      const replay = new Headers({ cookie: `${name}=${value}` });
      await expect(workerToken(replay)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    // The account settings need a session too.
    expect((await browser.post("/two-factor/disable", { password: TEST_PASSWORD })).status).toBe(401);
  });

  it("becomes one with the code: the worker token exchange then answers", async () => {
    const { email, secret } = await userWithTwoFactor();
    const browser = new TestBrowser();
    await signInPending(browser, email);
    // The setup's confirmation used this step's code: the next step's is accepted too.
    const verified = await browser.post("/two-factor/verify-totp", { code: codeAt(secret, Date.now() + PERIOD_MS) });
    expect(verified.status).toBe(200);
    expect(verified.json).not.toHaveProperty("token");
    expect((await browser.get("/get-session")).json).toMatchObject({ user: { email } });
    await expect(workerToken(browser.headers())).resolves.toMatchObject({ token: expect.any(String) });
  });
});

describe("TOTP codes", () => {
  it("refuses a wrong code and one two steps old, in words", async () => {
    const { email, secret } = await userWithTwoFactor();
    const browser = new TestBrowser();
    await signInPending(browser, email);

    const wrong = await browser.post("/two-factor/verify-totp", { code: wrongCode(secret, Date.now()) });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ code: "INVALID_CODE", message: expect.any(String) });
    const expired = await browser.post("/two-factor/verify-totp", { code: codeAt(secret, Date.now() - 2 * PERIOD_MS) });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ code: "INVALID_CODE" });
    expect((await browser.get("/get-session")).json).toBeNull();
  });

  it("accepts a code once: the same code again is refused, also in a race", async () => {
    const { email, secret } = await userWithTwoFactor();
    const code = codeAt(secret, Date.now() + PERIOD_MS);
    const first = new TestBrowser();
    await signInPending(first, email);
    expect((await first.post("/two-factor/verify-totp", { code })).status).toBe(200);

    const second = new TestBrowser();
    await signInPending(second, email);
    const again = await second.post("/two-factor/verify-totp", { code });
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ code: "TOTP_CODE_ALREADY_USED", message: expect.any(String) });
    expect((await second.get("/get-session")).json).toBeNull();

    // Two sign-ins sending one fresh code at once: one of them gets in. The
    // clock moves on a step so that a code unused so far exists.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + PERIOD_MS);
    const racers = [new TestBrowser(), new TestBrowser()];
    for (const racer of racers) await signInPending(racer, email);
    const fresh = codeAt(secret, Date.now() + PERIOD_MS);
    const answers = await Promise.all(racers.map((racer) => racer.post("/two-factor/verify-totp", { code: fresh })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });

  it("trusting the browser skips the code at its next sign-in", async () => {
    const { email, secret } = await userWithTwoFactor();
    const browser = new TestBrowser();
    await signInPending(browser, email);
    const code = codeAt(secret, Date.now() + PERIOD_MS);
    const trusted = await browser.post("/two-factor/verify-totp", { code, trustDevice: true });
    expect(trusted.status).toBe(200);
    const cookie = trusted.headers.getSetCookie().map(parseSetCookie);
    const trust = cookie.find((entry) => entry.name.endsWith("trust_device"));
    expect(trust?.attributes["max-age"]).toBe(String(30 * 24 * 3600));
    await browser.post("/sign-out");
    const again = await browser.post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(again.status).toBe(200);
    expect(again.json).not.toHaveProperty("twoFactorRedirect");
    expect((await browser.get("/get-session")).json).toMatchObject({ user: { email } });
  });
});

describe("backup codes", () => {
  it("sign in once each", async () => {
    const { email, backupCodes } = await userWithTwoFactor();
    const [code, other] = backupCodes;
    const first = new TestBrowser();
    await signInPending(first, email);
    expect((await first.post("/two-factor/verify-backup-code", { code })).status).toBe(200);
    expect((await first.get("/get-session")).json).toMatchObject({ user: { email } });

    const second = new TestBrowser();
    await signInPending(second, email);
    const reused = await second.post("/two-factor/verify-backup-code", { code });
    expect(reused.status).toBe(401);
    expect(reused.json).toMatchObject({ code: "INVALID_BACKUP_CODE" });
    expect((await second.post("/two-factor/verify-backup-code", { code: other })).status).toBe(200);
  });
});

describe("new backup codes", () => {
  it("take the password, and the old ones stop working", async () => {
    const { email, backupCodes } = await userWithTwoFactor();
    const browser = new TestBrowser();
    await signInPending(browser, email);
    expect((await browser.post("/two-factor/verify-backup-code", { code: backupCodes[0] })).status).toBe(200);

    const refused = await browser.post("/two-factor/generate-backup-codes", { password: "not the password" });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: "INVALID_PASSWORD" });
    const renewed = await browser.post("/two-factor/generate-backup-codes", { password: TEST_PASSWORD });
    expect(renewed.status).toBe(200);
    const fresh = renewed.json!.backupCodes as string[];
    expect(fresh).toHaveLength(10);

    const next = new TestBrowser();
    await signInPending(next, email);
    expect((await next.post("/two-factor/verify-backup-code", { code: backupCodes[1] })).status).toBe(401);
    expect((await next.post("/two-factor/verify-backup-code", { code: fresh[0] })).status).toBe(200);
  });
});

describe("the per-account limit on codes", () => {
  it("holds across client IPs: 5 a minute for the account, a correct code included, then a typed 429", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    const { email, secret } = await userWithTwoFactor();
    // Each attempt from a browser of its own: its own IP, its own pending sign-in.
    const attempt = async (code: string) => {
      const browser = new TestBrowser();
      await signInPending(browser, email);
      return { browser, answer: await browser.post("/two-factor/verify-totp", { code }) };
    };
    for (let n = 0; n < ACCOUNT_RULE.max; n++) {
      expect((await attempt(wrongCode(secret, Date.now()))).answer.status, `guess ${n}`).toBe(401);
    }
    const limited = await attempt(codeAt(secret, Date.now() + PERIOD_MS));
    expect(limited.answer.status).toBe(429);
    expect(limited.answer.json).toMatchObject({
      code: "TOO_MANY_ATTEMPTS",
      message: expect.stringMatching(/Try again/),
    });
    expect(Number(limited.answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.browser.get("/get-session")).json).toBeNull();
    // A backup code draws on the same budget.
    expect((await limited.browser.post("/two-factor/verify-backup-code", { code: "xxxxx-xxxxx" })).status).toBe(429);

    vi.setSystemTime(Date.now() + ACCOUNT_RULE.window * 1000);
    const later = await attempt(codeAt(secret, Date.now() + PERIOD_MS));
    expect(later.answer.status).toBe(200);
  });
});

describe("turning it off", () => {
  it("takes the password; after it, sign-in asks for no code", async () => {
    const { email, userId, secret } = await userWithTwoFactor();
    const browser = new TestBrowser();
    await signInPending(browser, email);
    expect(
      (await browser.post("/two-factor/verify-totp", { code: codeAt(secret, Date.now() + PERIOD_MS) })).status,
    ).toBe(200);

    for (const password of ["not the password", ""]) {
      const refused = await browser.post("/two-factor/disable", { password });
      expect(refused.status, password).toBe(400);
      expect(refused.json).toMatchObject({ code: "INVALID_PASSWORD" });
    }
    expect(await db.twoFactor.count({ where: { userId } })).toBe(1);

    expect((await browser.post("/two-factor/disable", { password: TEST_PASSWORD })).status).toBe(200);
    expect(await db.twoFactor.count({ where: { userId } })).toBe(0);
    await browser.post("/sign-out");
    const again = await browser.post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(again.status).toBe(200);
    expect(again.json).not.toHaveProperty("twoFactorRedirect");
  });
});

describe("the stored secrets", () => {
  it("are encrypted, out of the worker's reach, and go with the account", async () => {
    const { userId, secret, backupCodes } = await userWithTwoFactor();
    const row = await db.twoFactor.findUniqueOrThrow({ where: { userId } });
    expect(row.secret).not.toContain(secret);
    expect(row.backupCodes).not.toContain(backupCodes[0]);
    // The worker's role (which the account export runs as) cannot read the table.
    await expect(
      db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL ROLE app_worker");
        return tx.$queryRawUnsafe('SELECT "secret" FROM "two_factor"');
      }),
    ).rejects.toThrow(/permission denied/);

    await db.user.delete({ where: { id: userId } });
    expect(await db.twoFactor.count({ where: { userId } })).toBe(0);
  });
});
