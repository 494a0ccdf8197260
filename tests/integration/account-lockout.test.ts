import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { db } from "~/server/db/prisma";
import { authMailingTo } from "../support/mail-auth";
import { linkIn, SmtpInbox } from "../support/smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser } from "../support/test-browser";

// A stranger who knows an address can spend its sign-in budget (5 password
// checks a minute) forever. The owner still gets in: from a browser that
// proved the password before, or one that opened a valid reset link.

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox, { requireEmailVerification: false });
});
afterAll(async () => {
  await inbox.stop();
});

let start: number;
beforeEach(() => {
  start = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(start);
});
afterEach(() => {
  vi.useRealTimers();
});

const browser = () => new TestBrowser({ auth });
const signIn = (from: TestBrowser, email: string, password = TEST_PASSWORD) =>
  from.post("/sign-in/email", { email, password });

async function exhaust(email: string) {
  for (let attempt = 0; attempt < 6; attempt++) await signIn(browser(), email, "a stranger's guess");
  expect((await signIn(browser(), email)).status).toBe(429);
}

describe("a stranger cannot lock the owner out", () => {
  it("a browser that signed in before has a budget of its own; others, and a stranger, still wait", async () => {
    const owner = browser();
    const { email } = await owner.signUp();
    await owner.post("/sign-out");
    expect((await signIn(owner, email)).status).toBe(200);
    await owner.post("/sign-out");

    await exhaust(email);
    expect((await signIn(owner, email)).status).toBe(200);
    // Its budget is its own, not a way around the limit: 5 wrong guesses spend it.
    await owner.post("/sign-out");
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await signIn(owner, email, "typo")).status, `typo ${attempt}`).toBe(401);
    expect((await signIn(owner, email)).status).toBe(429);
  });

  it("the cookie is for one account and cannot be forged", async () => {
    const owner = browser();
    const { email: mine } = await owner.signUp();
    const { email: theirs } = await browser().signUp();
    await owner.post("/sign-out");
    await exhaust(theirs);
    // Proved for `mine`, so no help on `theirs`.
    expect((await signIn(owner, theirs)).status).toBe(429);

    const forger = browser();
    const cookieName = "better-auth.trusted_device";
    const forged = await forger.post(
      "/sign-in/email",
      { email: theirs, password: TEST_PASSWORD },
      {
        headers: { cookie: `${cookieName}=${encodeURIComponent("anything.device.signature")}` },
      },
    );
    expect(forged.status).toBe(429);
    expect(mine).not.toBe(theirs);
  });

  it("a browser that opened a valid reset link gets in, and the account's budget starts afresh", async () => {
    const { email } = await browser().signUp();
    await exhaust(email);

    const owner = browser();
    expect((await owner.post("/request-password-reset", { email, redirectTo: "/reset-password" })).status).toBe(200);
    const link = linkIn(await inbox.waitFor(email, /Reset your/), `${appOrigin}/api/auth/reset-password/`);
    const token = new URL(link).pathname.split("/").pop()!;
    const newPassword = "a brand new passphrase";
    expect((await owner.post("/reset-password", { token, newPassword })).status).toBe(200);

    // A stranger spends the fresh budget at once; the owner's browser still gets in.
    await exhaust(email);
    expect((await signIn(owner, email, newPassword)).status).toBe(200);
  });
});

describe("deleting an account takes its password", () => {
  it("no password: refused in words; a wrong one: refused and counted; the right one deletes", async () => {
    const owner = browser();
    const { email } = await owner.signUp();
    const none = await owner.post("/delete-user", {});
    expect(none).toMatchObject({
      status: 400,
      json: { code: "PASSWORD_REQUIRED", message: "Enter your password to delete the account." },
    });
    const wrong = await owner.post("/delete-user", { password: "not it" });
    expect(wrong).toMatchObject({ status: 400, json: { code: "INVALID_PASSWORD" } });
    expect(await db.user.count({ where: { email } })).toBe(1);

    const right = await owner.post("/delete-user", { password: TEST_PASSWORD });
    expect(right.status).toBe(200);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });
});
