import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { RESET_PASSWORD_PURPOSE } from "~/server/account/verification-identifiers";
import { db } from "~/server/db/prisma";
import { MAILS_PER_ADDRESS } from "~/server/mail/mailer";
import { authMailingTo, verifiedUser } from "../support/mail-auth";
import { SmtpInbox, type InboxMode } from "../support/smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail, type TestResponse } from "../support/test-browser";

// What the account flows do with input nobody should send, floods, and an
// SMTP server that refuses or hangs: answers in words, never a 500, nothing
// half-written, nothing that tells a known address from an unknown one.

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox);
});
afterAll(async () => {
  await inbox.stop();
});
afterEach(() => {
  inbox.mode = "accept";
  vi.useRealTimers();
});

/** A refusal a person can read: a 4xx or 5xx other than 500, with a message in words. */
function expectRefusalInWords(answer: TestResponse, status: number, label = "") {
  expect(answer.status, label).toBe(status);
  expect(answer.json, label).toMatchObject({ message: expect.stringMatching(/^[A-Z[].{4,}/) });
}

const MALFORMED_ADDRESSES: [string, unknown][] = [
  ["empty", ""],
  ["no @", "not an address"],
  ["no domain", "ada@"],
  ["no local part", "@example.test"],
  ["two @", "ada@lovelace@example.test"],
  ["a space", "ada lovelace@example.test"],
  ["a header injected", "ada@example.test\r\nBcc: victim@example.test"],
  ["10,000 characters", `${"a".repeat(10_000)}@example.test`],
  ["a number", 12345],
  ["null", null],
  ["an array", ["ada@example.test"]],
  ["an object", { address: "ada@example.test" }],
];

describe("malformed addresses on every endpoint that mails one", () => {
  it("are 400 in words, never a 500, and mail nobody", async () => {
    const { browser } = await verifiedUser(auth, inbox, { label: "malformed" });
    const mailsBefore = inbox.received.length;
    const endpoints: [string, string, TestBrowser | undefined, Record<string, unknown>][] = [
      ["/sign-up/email", "email", undefined, { name: "Ada", password: TEST_PASSWORD }],
      ["/request-password-reset", "email", undefined, {}],
      ["/send-verification-email", "email", undefined, {}],
      ["/change-email", "newEmail", browser, {}],
    ];
    // Each request from a client IP of its own: a client's per-IP budget (10 mail requests in ten minutes) is not what this tests.
    const ownIp = () => ({ "x-forwarded-for": new TestBrowser().ip });
    for (const [path, field, signedIn, rest] of endpoints) {
      const client = () => signedIn ?? new TestBrowser({ auth });
      for (const [label, address] of MALFORMED_ADDRESSES) {
        const answer = await client().post(path, { ...rest, [field]: address }, { headers: ownIp() });
        expectRefusalInWords(answer, 400, `${path} with ${label}`);
        expect(["VALIDATION_ERROR", "EMAIL_TOO_LONG"], `${path} with ${label}`).toContain(answer.json?.code);
      }
      const missing = await client().post(path, rest, { headers: ownIp() });
      expectRefusalInWords(missing, 400, `${path} without ${field}`);
      for (const body of ["{", '"ada@example.test"', "[]"]) {
        const headers = client().headers();
        headers.set("content-type", "application/json");
        headers.set("x-forwarded-for", ownIp()["x-forwarded-for"]);
        const answer = await auth.handler(
          new Request(`${appOrigin}/api/auth${path}`, { method: "POST", headers, body }),
        );
        expect(answer.status, `${path} with the body ${body}`).toBe(400);
      }
    }
    await sleep(200);
    expect(inbox.received.length).toBe(mailsBefore);
  });
});

describe("tokens of 10,000 characters", () => {
  const long = "x".repeat(10_000);

  it("POST /reset-password: 400 in words", async () => {
    const answer = await new TestBrowser({ auth }).post("/reset-password", {
      token: long,
      newPassword: "a new passphrase",
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ code: "INVALID_TOKEN", message: "Invalid token" });
  });

  it("GET /reset-password/<token>: back to the page with an error, or 400 in words without one", async () => {
    const opened = await new TestBrowser({ auth }).get(`/reset-password/${long}?callbackURL=%2Freset-password`);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toMatch(/\/reset-password\?error=INVALID_TOKEN$/);
    expectRefusalInWords(await new TestBrowser({ auth }).get(`/reset-password/${long}`), 400);
  });

  it("GET /verify-email: back to the page with an error, or 401 in words without one", async () => {
    const opened = await new TestBrowser({ auth }).get(`/verify-email?token=${long}&callbackURL=%2Fverify-email`);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/verify-email?error=INVALID_TOKEN");
    const bare = await new TestBrowser({ auth }).get(`/verify-email?token=${long}`);
    expectRefusalInWords(bare, 401);
    expect(bare.json).toMatchObject({ code: "INVALID_TOKEN" });
  });
});

describe("a reset asked for 50 times in a minute", () => {
  it("answers a known and an unknown address alike, request by request, and mails at most the hourly budget", async () => {
    const { email: known } = await verifiedUser(auth, inbox, { label: "flood" });
    const unknown = uniqueEmail("flood-nobody");
    // Date stands still: all 100 requests fall in one minute however slow the run.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    const answers: Record<string, { status: number; json: unknown }[]> = { known: [], unknown: [] };
    for (let attempt = 0; attempt < 50; attempt++) {
      for (const [which, email] of [
        ["known", known],
        ["unknown", unknown],
      ] as const) {
        const answer = await new TestBrowser({ auth }).post("/request-password-reset", {
          email,
          redirectTo: "/reset-password",
        });
        answers[which]!.push({ status: answer.status, json: answer.json });
      }
    }
    expect(answers.known).toEqual(answers.unknown);
    const statuses = answers.known!.map((answer) => answer.status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(new Set(statuses.slice(3))).toEqual(new Set([429]));
    expect(answers.known![3]!.json).toMatchObject({
      code: "TOO_MANY_ATTEMPTS",
      message: expect.stringMatching(/^Too many attempts/),
    });

    await inbox.waitFor(known, /Reset your/, { skip: 2 });

    // The next minutes let three requests through each; the hour's mails stop at the budget.
    const start = Date.now();
    for (let minute = 1; minute <= 3; minute++) {
      vi.setSystemTime(start + minute * 61_000);
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await new TestBrowser({ auth }).post("/request-password-reset", {
          email: known,
          redirectTo: "/reset-password",
        });
        expect(answer.status).toBe(200);
      }
    }
    // The budget counts every mail to the address this hour, its verification mail included.
    vi.useRealTimers();
    await inbox.waitFor(known, /./, { skip: MAILS_PER_ADDRESS.max - 1 });
    await sleep(1_000);
    expect(inbox.to(known)).toHaveLength(MAILS_PER_ADDRESS.max);
    expect(inbox.to(unknown)).toEqual([]);
  });
});

describe("an SMTP server that does not take the mail", () => {
  const modes: InboxMode[] = ["refuse", "hang"];

  it.each(modes)(
    "reset (%s): the same 200 as ever, at once; no mail, the password and sessions as they were",
    async (mode) => {
      const { email, userId, browser } = await verifiedUser(auth, inbox, { label: `reset-${mode}` });
      const unknown = uniqueEmail(`reset-${mode}-nobody`);
      inbox.mode = mode;
      const started = performance.now();
      const answers = [];
      for (const address of [email, unknown]) {
        const answer = await new TestBrowser({ auth }).post("/request-password-reset", {
          email: address,
          redirectTo: "/reset-password",
        });
        answers.push({ status: answer.status, json: answer.json });
      }
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(answers[0]).toEqual({
        status: 200,
        json: { status: true, message: "If this email exists in our system, check your email for the reset link" },
      });
      expect(answers[1]).toEqual(answers[0]);
      // Long enough for the background send to give up (tests' SMTP timeouts: 2 s).
      await sleep(mode === "hang" ? 2_500 : 500);
      inbox.mode = "accept";
      expect(inbox.to(email).filter((mail) => mail.subject.includes("Reset your"))).toEqual([]);
      // The link's row may be there (it was made before the send); it was never mailed, and nothing else moved.
      const rows = await db.verification.findMany({ where: { value: userId } });
      for (const row of rows) expect(row.identifier.startsWith(RESET_PASSWORD_PURPOSE)).toBe(true);
      expect(rows.length).toBeLessThanOrEqual(1);
      expect((await browser.get("/get-session")).json).toMatchObject({ user: { email } });
      expect((await new TestBrowser({ auth }).post("/sign-in/email", { email, password: TEST_PASSWORD })).status).toBe(
        200,
      );

      // With the server back, asking again mails a link that works.
      expect(
        (await new TestBrowser({ auth }).post("/request-password-reset", { email, redirectTo: "/reset-password" }))
          .status,
      ).toBe(200);
      await inbox.waitFor(email, /Reset your/);
    },
    15_000,
  );

  it.each(modes)(
    "resend verification (%s): 503 in words; the account as it was",
    async (mode) => {
      const email = uniqueEmail(`resend-${mode}`);
      expect(
        (await new TestBrowser({ auth }).post("/sign-up/email", { name: "Ada", email, password: TEST_PASSWORD }))
          .status,
      ).toBe(200);
      await inbox.waitFor(email, /Verify your address/);
      inbox.mode = mode;
      const answer = await new TestBrowser({ auth }).post("/send-verification-email", { email });
      expect(answer.status).toBe(503);
      expect(answer.json).toEqual({
        code: "MAIL_NOT_SENT",
        message: "The mail could not be sent right now. Please try again in a few minutes.",
      });
      inbox.mode = "accept";
      expect(await db.user.findUnique({ where: { email }, select: { emailVerified: true } })).toEqual({
        emailVerified: false,
      });
      expect(inbox.to(email)).toHaveLength(1);
    },
    15_000,
  );

  it.each(modes)(
    "change of address (%s): 503 in words, to a free address and to a taken one alike; nothing changed",
    async (mode) => {
      const owner = await verifiedUser(auth, inbox, { label: `taken-${mode}` });
      const { email, userId, browser } = await verifiedUser(auth, inbox, { label: `change-${mode}` });
      const free = uniqueEmail(`change-${mode}-free`);
      const mailsBefore = inbox.received.length;
      inbox.mode = mode;
      const answers = [];
      for (const newEmail of [free, owner.email]) {
        const answer = await browser.post("/change-email", { newEmail, callbackURL: "/dashboard" });
        answers.push({ status: answer.status, json: answer.json });
      }
      expect(answers[0]).toEqual({
        status: 503,
        json: {
          code: "MAIL_NOT_SENT",
          message: "The mail could not be sent right now. Please try again in a few minutes.",
        },
      });
      expect(answers[1]).toEqual(answers[0]);
      inbox.mode = "accept";
      await sleep(200);
      expect(inbox.received.length).toBe(mailsBefore);
      expect((await db.user.findUniqueOrThrow({ where: { id: userId } })).email).toBe(email);
      expect((await browser.get("/get-session")).json).toMatchObject({ user: { email } });
    },
    20_000,
  );
});

describe("the worker token exchange with verification required", () => {
  it("refuses an unverified user who has a session, in words; a verified one gets a token", async () => {
    // Signed up (and so in) while the requirement was off, through the same database.
    const before = authMailingTo(inbox, { requireEmailVerification: false });
    const browser = new TestBrowser({ auth: before });
    const email = uniqueEmail("unverified");
    expect((await browser.post("/sign-up/email", { name: "Ada", email, password: TEST_PASSWORD })).status).toBe(200);
    expect((await browser.get("/get-session")).json).toMatchObject({ user: { email, emailVerified: false } });

    const whenOff = createCaller(await createTRPCContext({ headers: browser.headers(), auth: before }));
    await expect(whenOff.auth.workerToken()).resolves.toMatchObject({ token: expect.any(String) });

    const now = createCaller(await createTRPCContext({ headers: browser.headers(), auth }));
    await expect(now.auth.workerToken()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "Verify your email address first: open the link we mailed you, or ask for a new one.",
    });
    // Sign-in says the same in its own words.
    const signIn = await new TestBrowser({ auth }).post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(signIn.status).toBe(403);
    expect(signIn.json).toMatchObject({ code: "EMAIL_NOT_VERIFIED" });

    const verified = await verifiedUser(auth, inbox, { label: "verified" });
    const api = createCaller(await createTRPCContext({ headers: verified.browser.headers(), auth }));
    await expect(api.auth.workerToken()).resolves.toMatchObject({ token: expect.any(String) });
  });
});
