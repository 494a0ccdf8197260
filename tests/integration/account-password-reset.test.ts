import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { RESET_REQUEST_FLOOR_MS } from "~/server/account/reset-request-floor";
import { hashVerificationIdentifier, RESET_PASSWORD_PURPOSE } from "~/server/account/verification-identifiers";
import { db } from "~/server/db/prisma";
import { startDocumentsStack, type DocumentsStack } from "../support/documents";
import { authMailingTo, authPathOf, verifiedUser } from "../support/mail-auth";
import { timeToRefusal } from "../support/revocation-watch";
import { linkIn, SmtpInbox } from "../support/smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

// Forgot password, end to end over real SMTP: the request, the mail, the
// link, the new password; every session ends and a running worker refuses
// their tokens; the link works once, for an hour, and only while it is the
// newest; the database never holds it in the clear.

const NEW_PASSWORD = "a brand new passphrase";
const RESET_PAGE = "/reset-password";
const REVOCATION_BUDGET_MS = 1_000;

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;
let stack: DocumentsStack;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox);
  stack = await startDocumentsStack({ name: "reset-worker" });
});
afterAll(async () => {
  await stack.stop();
  await inbox.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Asks for a reset of `email` from a stranger's browser; returns the answer. */
function requestReset(email: string) {
  return new TestBrowser({ auth }).post("/request-password-reset", { email, redirectTo: RESET_PAGE });
}

/** The reset link of the `skip`-th reset mail to `email` (0: the first) and the token it carries. */
async function resetLink(email: string, skip = 0) {
  const mail = await inbox.waitFor(email, /Reset your .* password/, { skip });
  const link = linkIn(mail, `${appOrigin}/api/auth/reset-password/`);
  const token = new URL(link).pathname.split("/").pop()!;
  return { mail, link, token };
}

function signIn(email: string, password: string) {
  return new TestBrowser({ auth }).post("/sign-in/email", { email, password });
}

function resetPassword(token: string, newPassword = NEW_PASSWORD) {
  return new TestBrowser({ auth }).post("/reset-password", { token, newPassword });
}

describe("forgot password → mail → link → new password", () => {
  it("resets the password, ends every session, and a running worker refuses their tokens within a second", async () => {
    const { email, userId, browser } = await verifiedUser(auth, inbox, { label: "reset" });
    // A second device, with a worker token of its own.
    const other = new TestBrowser({ auth });
    expect((await other.post("/sign-in/email", { email, password: TEST_PASSWORD })).status).toBe(200);
    const api = createCaller(await createTRPCContext({ headers: other.headers(), auth }));
    const { token: workerToken } = await api.auth.workerToken();
    expect(await db.session.count({ where: { userId } })).toBe(2);

    const requested = await requestReset(email);
    expect(requested.status).toBe(200);
    expect(requested.json).toEqual({
      status: true,
      message: "If this email exists in our system, check your email for the reset link",
    });

    const { mail, link, token } = await resetLink(email);
    expect(mail.text).toContain("Hello Ada Lovelace,");
    expect(mail.text).toContain("The link works for 1 hour, once.");
    expect(mail.html).toContain("The link works for 1 hour, once.");
    expect(mail.html).toContain(link.replaceAll("&", "&amp;"));
    expect(link).toBe(`${appOrigin}/api/auth/reset-password/${token}?callbackURL=${encodeURIComponent(RESET_PAGE)}`);

    // The table holds the token's hash only, under the reset purpose.
    const rows = await db.verification.findMany({ where: { value: userId } });
    expect(rows.map((row) => row.identifier)).toEqual([
      await hashVerificationIdentifier(RESET_PASSWORD_PURPOSE + token),
    ]);
    const all = await db.verification.findMany();
    for (const row of all) expect(JSON.stringify(row)).not.toContain(token);

    // Opening the link lands on the app's page with the token to post.
    const opened = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(`${appOrigin}${RESET_PAGE}?token=${token}`);

    const revokedWithin = await timeToRefusal(stack.workers, workerToken, async () => {
      const reset = await resetPassword(token);
      expect(reset.status).toBe(200);
      expect(reset.json).toEqual({ status: true });
    });
    console.log(`password reset → worker refuses the old session's token: ${revokedWithin[0]!.toFixed(0)} ms`);
    for (const ms of revokedWithin) expect(ms).toBeLessThan(REVOCATION_BUDGET_MS);

    expect(await db.session.count({ where: { userId } })).toBe(0);
    for (const device of [browser, other]) expect((await device.get("/get-session")).json).toBeNull();

    const old = await signIn(email, TEST_PASSWORD);
    expect(old.status).toBe(401);
    expect(old.json).toMatchObject({ code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" });
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200);

    // Used once: the row is gone, the link and the token are refused.
    expect(await db.verification.count({ where: { value: userId } })).toBe(0);
    const again = await resetPassword(token, "yet another passphrase");
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ code: "INVALID_TOKEN", message: "Invalid token" });
    const reopened = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(reopened.headers.get("location")).toBe(`${appOrigin}${RESET_PAGE}?error=INVALID_TOKEN`);
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200);
  });

  it("a link older than an hour is refused, and the password stays", async () => {
    const { email } = await verifiedUser(auth, inbox, { label: "expired" });
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    expect((await requestReset(email)).status).toBe(200);
    const { link, token } = await resetLink(email);

    vi.setSystemTime(start + 3_600_000 - 1_000);
    const stillOpen = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(stillOpen.headers.get("location")).toBe(`${appOrigin}${RESET_PAGE}?token=${token}`);

    vi.setSystemTime(start + 3_600_000 + 1_000);
    const opened = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(`${appOrigin}${RESET_PAGE}?error=INVALID_TOKEN`);
    const reset = await resetPassword(token);
    expect(reset.status).toBe(400);
    expect(reset.json).toEqual({ code: "INVALID_TOKEN", message: "Invalid token" });
    expect((await signIn(email, TEST_PASSWORD)).status).toBe(200);
  });

  it("a newer link voids the older one", async () => {
    const { email, userId } = await verifiedUser(auth, inbox, { label: "newer" });
    expect((await requestReset(email)).status).toBe(200);
    const older = await resetLink(email);
    expect((await requestReset(email)).status).toBe(200);
    const newer = await resetLink(email, 1);
    expect(newer.token).not.toBe(older.token);

    // The older row went before the newer mail did (reset-mail.ts).
    expect((await db.verification.findMany({ where: { value: userId } })).map((row) => row.identifier)).toEqual([
      await hashVerificationIdentifier(RESET_PASSWORD_PURPOSE + newer.token),
    ]);
    const opened = await new TestBrowser({ auth }).get(authPathOf(older.link));
    expect(opened.headers.get("location")).toBe(`${appOrigin}${RESET_PAGE}?error=INVALID_TOKEN`);
    expect((await resetPassword(older.token)).json).toEqual({ code: "INVALID_TOKEN", message: "Invalid token" });
    expect((await signIn(email, TEST_PASSWORD)).status).toBe(200);

    expect((await resetPassword(newer.token)).status).toBe(200);
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200);
  });

  it("two requests at once (a double click): the newer link works, and no dead link is mailed after it", async () => {
    const { email, userId } = await verifiedUser(auth, inbox, { label: "double" });
    const answers = await Promise.all([requestReset(email), requestReset(email)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await resetLink(email);
    // The other request's mail, if it goes out at all, goes within moments.
    await sleep(500);
    const mailed = inbox.to(email).filter((mail) => mail.subject.includes("Reset your"));
    const tokens = mailed.map((mail) =>
      new URL(linkIn(mail, `${appOrigin}/api/auth/reset-password/`)).pathname.split("/").pop()!,
    );
    // One row is left: the newer link's, which is the last one mailed.
    const rows = await db.verification.findMany({ where: { value: userId } });
    expect(rows.map((row) => row.identifier)).toEqual([
      await hashVerificationIdentifier(RESET_PASSWORD_PURPOSE + tokens.at(-1)!),
    ]);
    const results = [];
    for (const token of tokens) results.push((await resetPassword(token)).status);
    expect(results.at(-1)).toBe(200);
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200);
  });

  it("answers a registered and an unknown address alike, and no sooner than its floor", async () => {
    const { email } = await verifiedUser(auth, inbox, { label: "floor" });
    const answers = [];
    for (const address of [email, uniqueEmail("floor-nobody")]) {
      const started = performance.now();
      const answer = await requestReset(address);
      answers.push({ status: answer.status, json: answer.json });
      expect(performance.now() - started).toBeGreaterThanOrEqual(RESET_REQUEST_FLOOR_MS);
    }
    expect(answers[1]).toEqual(answers[0]);
  });

  it("a token resets only the account it was mailed for, whoever posts it", async () => {
    const victim = await verifiedUser(auth, inbox, { label: "victim" });
    const attacker = await verifiedUser(auth, inbox, { label: "attacker" });
    expect((await requestReset(attacker.email)).status).toBe(200);
    const { token } = await resetLink(attacker.email);

    // Posted from the victim's own signed-in browser, naming the victim: the
    // body has no field that says whose password it is, only the token.
    const posted = await victim.browser.post("/reset-password", {
      token,
      newPassword: NEW_PASSWORD,
      email: victim.email,
      userId: victim.userId,
    });
    expect(posted.status).toBe(200);

    expect((await signIn(victim.email, NEW_PASSWORD)).status).toBe(401);
    expect((await signIn(victim.email, TEST_PASSWORD)).status).toBe(200);
    expect((await victim.browser.get("/get-session")).json).toMatchObject({ user: { email: victim.email } });
    expect((await signIn(attacker.email, NEW_PASSWORD)).status).toBe(200);
    expect(await db.session.count({ where: { userId: attacker.userId } })).toBe(1);
  });
});
