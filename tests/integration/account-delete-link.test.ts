import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DELETE_ACCOUNT_PAGE } from "~/server/account/delete-account-link";
import { db } from "~/server/db/prisma";
import { authMailingTo, verifiedUser } from "../support/mail-auth";
import { linkIn, SmtpInbox } from "../support/smtp-inbox";
import { appOrigin, TestBrowser } from "../support/test-browser";

// An account without a password (made by single sign-on) deletes itself by a
// link mailed to its address, over real SMTP: the link opens a page that
// asks; the token posted to Better Auth's /delete-user does the deletion,
// once, for that account only. Accounts with a password keep using it.

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox);
});
afterAll(async () => {
  await inbox.stop();
});

/** A signed-in account whose only way in is an OpenID Connect identity, as single sign-on makes them. */
async function passwordlessUser(label: string) {
  const user = await verifiedUser(auth, inbox, { label });
  await db.account.deleteMany({ where: { userId: user.userId, providerId: "credential" } });
  await db.account.create({
    data: { id: crypto.randomUUID(), userId: user.userId, providerId: "oidc", accountId: `sub-${user.userId}` },
  });
  return user;
}

async function deletionToken(email: string) {
  const link = linkIn(await inbox.waitFor(email, /Confirm deleting/), `${appOrigin}${DELETE_ACCOUNT_PAGE}?`);
  return new URL(link).searchParams.get("token")!;
}

const userExists = async (userId: string) => (await db.user.count({ where: { id: userId } })) === 1;

describe("deleting an account without a password", () => {
  it("is confirmed by the mailed link: the page's token deletes the account, once", async () => {
    const { email, userId, browser } = await passwordlessUser("sso-delete");
    const asked = await browser.post("/delete-user/send-link");
    expect(asked.status, JSON.stringify(asked.json)).toBe(200);
    const token = await deletionToken(email);
    // Opening the link deletes nothing: the page asks first.
    expect(await userExists(userId)).toBe(true);

    const deleted = await browser.post("/delete-user", { token });
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
    expect(await userExists(userId)).toBe(false);
    expect(await db.account.count({ where: { userId } })).toBe(0);
    expect(await db.verification.count({ where: { value: userId } })).toBe(0);
  });

  it("a token that is wrong, or another account's, deletes nothing", async () => {
    const mine = await passwordlessUser("sso-mine");
    const theirs = await passwordlessUser("sso-theirs");
    expect((await theirs.browser.post("/delete-user/send-link")).status).toBe(200);
    const theirToken = await deletionToken(theirs.email);

    for (const token of [theirToken, "0".repeat(32), "x"]) {
      const refused = await mine.browser.post("/delete-user", { token });
      expect(refused.status).toBe(404);
      expect(refused.json?.code).toBe("INVALID_TOKEN");
    }
    expect(await userExists(mine.userId)).toBe(true);
    expect(await userExists(theirs.userId)).toBe(true);
  });

  it("Better Auth's GET callback, which a mail scanner's prefetch could open, is off", async () => {
    const { email, userId, browser } = await passwordlessUser("sso-prefetch");
    expect((await browser.post("/delete-user/send-link")).status).toBe(200);
    const token = await deletionToken(email);
    const opened = await browser.get(`/delete-user/callback?token=${token}`);
    expect(opened.status).toBe(404);
    expect(await userExists(userId)).toBe(true);
  });

  it("an account with a password is refused a link (it enters the password), and nothing is mailed", async () => {
    const { email, browser } = await verifiedUser(auth, inbox, { label: "has-password" });
    const mailsBefore = inbox.received.length;
    const refused = await browser.post("/delete-user/send-link");
    expect(refused.status).toBe(400);
    expect(refused.json?.code).toBe("ACCOUNT_HAS_PASSWORD");
    expect(inbox.received.slice(mailsBefore).filter((mail) => mail.to.includes(email.toLowerCase()))).toEqual([]);
  });

  it("without a session: 401, nothing mailed", async () => {
    const refused = await new TestBrowser({ auth }).post("/delete-user/send-link");
    expect(refused.status).toBe(401);
  });
});
