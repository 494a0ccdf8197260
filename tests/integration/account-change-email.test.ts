import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "~/server/db/prisma";
import { authMailingTo, authPathOf, verifiedUser } from "../support/mail-auth";
import { linkIn, SmtpInbox } from "../support/smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

// A signed-in, verified user changes the address they sign in with (the old
// address is told, the new one confirms), and changes their password.

const CALLBACK = "/dashboard";

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox);
});
afterAll(async () => {
  await inbox.stop();
});

function signIn(email: string, password = TEST_PASSWORD) {
  return new TestBrowser({ auth }).post("/sign-in/email", { email, password });
}

function changeEmail(browser: TestBrowser, newEmail: string) {
  return browser.post("/change-email", { newEmail, callbackURL: CALLBACK });
}

/** The link in the `skip`-th "confirm your new address" mail to `address`. */
async function confirmLink(address: string, skip = 0) {
  const mail = await inbox.waitFor(address, /Confirm your new address/, { skip });
  return { mail, link: linkIn(mail, `${appOrigin}/api/auth/verify-email?`) };
}

describe("change of address", () => {
  it("tells the old address, confirms with the new one, and takes effect only when the link is opened", async () => {
    const { email: oldEmail, userId, browser } = await verifiedUser(auth, inbox, { label: "old", name: "Ada" });
    const newEmail = uniqueEmail("new");

    const answer = await changeEmail(browser, newEmail);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: true });

    const notice = await inbox.waitFor(oldEmail, /is being changed/);
    expect(notice.text).toContain("Hello Ada,");
    expect(notice.text).toContain(`asked to change its address to ${newEmail}`);
    expect(notice.html).toContain(newEmail);
    const { mail, link } = await confirmLink(newEmail);
    expect(mail.text).toContain("The link works for 24 hours, once.");
    expect(mail.html).toContain(link.replaceAll("&", "&amp;"));
    // The owner was told before the link went out.
    expect(inbox.received.indexOf(notice)).toBeLessThan(inbox.received.indexOf(mail));

    // Nothing has changed yet.
    expect((await signIn(newEmail)).status).toBe(401);
    expect((await signIn(oldEmail)).status).toBe(200);
    expect(await db.user.findUnique({ where: { id: userId }, select: { email: true } })).toEqual({ email: oldEmail });

    // Opened on another device (a phone's mail app): no session needed.
    const opened = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe(CALLBACK);
    expect(await db.user.findUnique({ where: { id: userId }, select: { email: true, emailVerified: true } })).toEqual({
      email: newEmail,
      emailVerified: true,
    });
    expect((await browser.get("/get-session")).json).toMatchObject({ user: { email: newEmail, emailVerified: true } });
    expect((await signIn(newEmail)).status).toBe(200);
    expect((await signIn(oldEmail)).status).toBe(401);

    // The link is bound to the address it changed from: it works once.
    const reopened = await new TestBrowser({ auth }).get(authPathOf(link));
    expect(reopened.status).toBe(302);
    expect(reopened.headers.get("location")).toBe(`${CALLBACK}?error=INVALID_TOKEN`);
    expect((await db.user.findUniqueOrThrow({ where: { id: userId } })).email).toBe(newEmail);
  });

  it("of two pending changes, the first opened wins and the other link stops working", async () => {
    const { userId, browser } = await verifiedUser(auth, inbox, { label: "two" });
    const [first, second] = [uniqueEmail("first"), uniqueEmail("second")];
    expect((await changeEmail(browser, first)).status).toBe(200);
    expect((await changeEmail(browser, second)).status).toBe(200);
    const [firstLink, secondLink] = [(await confirmLink(first)).link, (await confirmLink(second)).link];

    expect((await new TestBrowser({ auth }).get(authPathOf(secondLink))).headers.get("location")).toBe(CALLBACK);
    const stale = await new TestBrowser({ auth }).get(authPathOf(firstLink));
    expect(stale.headers.get("location")).toBe(`${CALLBACK}?error=INVALID_TOKEN`);
    expect((await db.user.findUniqueOrThrow({ where: { id: userId } })).email).toBe(second);
  });

  it("an address that is taken answers as a free one does and mails its owner nothing", async () => {
    const owner = await verifiedUser(auth, inbox, { label: "owner" });
    const { email, userId, browser } = await verifiedUser(auth, inbox, { label: "asker" });
    const mailsToOwner = inbox.to(owner.email).length;

    const taken = await changeEmail(browser, owner.email);
    const free = await changeEmail(browser, uniqueEmail("free"));
    expect({ status: taken.status, json: taken.json }).toEqual({ status: free.status, json: free.json });

    // The asker hears of both requests alike (one notice each) …
    await inbox.waitFor(email, /is being changed/, { skip: 1 });
    // … and nothing reaches the owner of the taken address.
    expect(inbox.to(owner.email)).toHaveLength(mailsToOwner);
    expect((await db.user.findUniqueOrThrow({ where: { id: userId } })).email).toBe(email);
    expect((await db.user.findUniqueOrThrow({ where: { id: owner.userId } })).email).toBe(owner.email);
  });

  it("the same address again, or one that is not an address, is refused in words", async () => {
    const { email, browser } = await verifiedUser(auth, inbox, { label: "same" });
    const same = await changeEmail(browser, email.toUpperCase());
    expect(same.status).toBe(400);
    expect(same.json).toMatchObject({ message: "Email is the same" });
    const notAnAddress = await changeEmail(browser, "not an address");
    expect(notAnAddress.status).toBe(400);
    expect(notAnAddress.json).toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("needs a session", async () => {
    const answer = await changeEmail(new TestBrowser({ auth }), uniqueEmail("anon"));
    expect(answer.status).toBe(401);
  });
});

describe("change of password", () => {
  it("a wrong current password is refused in words and changes nothing", async () => {
    const { email, browser } = await verifiedUser(auth, inbox, { label: "wrong-current" });
    const answer = await browser.post("/change-password", {
      currentPassword: "not my password",
      newPassword: "a brand new passphrase",
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ code: "INVALID_PASSWORD", message: "Invalid password" });
    expect((await signIn(email)).status).toBe(200);
    expect((await signIn(email, "a brand new passphrase")).status).toBe(401);
  });

  it("with revokeOtherSessions: every other session ends, this browser stays signed in", async () => {
    const { email, userId, browser } = await verifiedUser(auth, inbox, { label: "revoke-others" });
    const others = [new TestBrowser({ auth }), new TestBrowser({ auth })];
    for (const other of others)
      expect((await other.post("/sign-in/email", { email, password: TEST_PASSWORD })).status).toBe(200);
    expect(await db.session.count({ where: { userId } })).toBe(3);

    const answer = await browser.post("/change-password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "a brand new passphrase",
      revokeOtherSessions: true,
    });
    expect(answer.status).toBe(200);
    // The new session's token stays in its HttpOnly cookie (hide-session-tokens.ts).
    expect(answer.json).not.toHaveProperty("token");

    for (const other of others) expect((await other.get("/get-session")).json).toBeNull();
    const mine = (await browser.get("/get-session")).json as { session: { id: string } } | null;
    expect(mine).toMatchObject({ user: { email } });
    const left = await db.session.findMany({ where: { userId }, select: { id: true } });
    expect(left).toEqual([{ id: mine!.session.id }]);

    expect((await signIn(email)).status).toBe(401);
    expect((await signIn(email, "a brand new passphrase")).status).toBe(200);
  });

  it("without it, the other sessions stay", async () => {
    const { email, userId, browser } = await verifiedUser(auth, inbox, { label: "keep-others" });
    const other = new TestBrowser({ auth });
    expect((await other.post("/sign-in/email", { email, password: TEST_PASSWORD })).status).toBe(200);
    const answer = await browser.post("/change-password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "a brand new passphrase",
    });
    expect(answer.status).toBe(200);
    expect((await other.get("/get-session")).json).toMatchObject({ user: { email } });
    expect(await db.session.count({ where: { userId } })).toBe(2);
  });
});
