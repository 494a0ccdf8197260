import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "~/server/db/prisma";
import { authMailingTo, authPathOf } from "../support/mail-auth";
import { linkIn, SmtpInbox } from "../support/smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

// Sign-up mails a verification link over real SMTP; with verification
// required, the address must be verified before a session is made.

let inbox: SmtpInbox;
let auth: ReturnType<typeof authMailingTo>;

beforeAll(async () => {
  inbox = await SmtpInbox.start();
  auth = authMailingTo(inbox);
});
afterAll(async () => {
  await inbox.stop();
});

describe("sign-up → verify → sign-in", () => {
  it("mails a link (text and HTML, lifetime in words); sign-in waits for it; the link signs the user in", async () => {
    const email = uniqueEmail("verify");
    const browser = new TestBrowser({ auth });
    const signUp = await browser.post("/sign-up/email", {
      name: "Ada <b>Lovelace</b>",
      email,
      password: TEST_PASSWORD,
    });
    expect(signUp.status).toBe(200);

    const mail = await inbox.waitFor(email, /Verify your address/);
    expect(mail.text).toContain("The link works for 24 hours, once.");
    // The name the user chose is text in the HTML body, never markup.
    expect(mail.html).toContain("Ada &lt;b&gt;Lovelace&lt;/b&gt;");
    expect(mail.html).not.toContain("<b>Lovelace</b>");
    const link = linkIn(mail, `${appOrigin}/api/auth/verify-email?`);
    expect(mail.html).toContain(link.replaceAll("&", "&amp;"));

    const early = await new TestBrowser({ auth }).post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(early.status).toBe(403);
    expect(early.json).toMatchObject({ code: "EMAIL_NOT_VERIFIED" });

    const opened = await browser.get(authPathOf(link));
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/verify-email");
    expect(await db.user.findUnique({ where: { email }, select: { emailVerified: true } })).toEqual({
      emailVerified: true,
    });
    expect((await browser.get("/get-session")).json).toMatchObject({ user: { email, emailVerified: true } });

    const later = await new TestBrowser({ auth }).post("/sign-in/email", { email, password: TEST_PASSWORD });
    expect(later.status).toBe(200);
  });

  it("a forged or tampered link verifies nothing", async () => {
    const email = uniqueEmail("forged");
    await new TestBrowser({ auth }).post("/sign-up/email", { name: "Ada", email, password: TEST_PASSWORD });
    const link = linkIn(await inbox.waitFor(email, /Verify your address/), `${appOrigin}/api/auth/verify-email?`);
    const token = new URL(link).searchParams.get("token")!;
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const bad of [tampered, "x".repeat(10_000), ""]) {
      const opened = await new TestBrowser({ auth }).get(`/verify-email?token=${bad}&callbackURL=%2Fverify-email`);
      expect(opened.status, bad.slice(0, 20)).toBe(302);
      expect(opened.headers.get("location")).toMatch(/^\/verify-email\?error=/);
    }
    expect((await db.user.findUnique({ where: { email } }))?.emailVerified).toBe(false);
  });

  it("resend waits a minute between mails to one address, and answers alike for unknown addresses", async () => {
    const email = uniqueEmail("resend");
    await new TestBrowser({ auth }).post("/sign-up/email", { name: "Ada", email, password: TEST_PASSWORD });
    await inbox.waitFor(email, /Verify your address/);
    const first = await new TestBrowser({ auth }).post("/send-verification-email", { email });
    expect(first.status).toBe(200);
    await inbox.waitFor(email, /Verify your address/, { skip: 1 });
    const second = await new TestBrowser({ auth }).post("/send-verification-email", { email });
    expect(second.status).toBe(429);
    expect(second.json).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });

    const unknown = uniqueEmail("nobody");
    expect((await new TestBrowser({ auth }).post("/send-verification-email", { email: unknown })).status).toBe(200);
    expect((await new TestBrowser({ auth }).post("/send-verification-email", { email: unknown })).status).toBe(429);
    expect(inbox.to(unknown)).toEqual([]);
  });

  it("signing up with a taken address answers as for a new one and tells the owner instead", async () => {
    const email = uniqueEmail("taken");
    await new TestBrowser({ auth }).post("/sign-up/email", { name: "Owner", email, password: TEST_PASSWORD });
    await inbox.waitFor(email, /Verify your address/);
    const again = await new TestBrowser({ auth }).post("/sign-up/email", {
      name: "Stranger",
      email,
      password: "another password",
    });
    expect(again.status).toBe(200);
    const notice = await inbox.waitFor(email, /Someone tried to sign up/);
    expect(notice.text).toContain("Hello Owner,");
    expect(await db.user.count({ where: { email } })).toBe(1);
  });
});

describe("a sign-up whose mail cannot be sent", () => {
  it.each(["refuse", "hang"] as const)(
    "SMTP server that %ss: 503 in words, and no account is left behind",
    async (mode) => {
      const email = uniqueEmail(`smtp-${mode}`);
      inbox.mode = mode;
      try {
        const started = performance.now();
        const answer = await new TestBrowser({ auth }).post("/sign-up/email", {
          name: "Ada",
          email,
          password: TEST_PASSWORD,
        });
        expect(answer.status).toBe(503);
        expect(answer.json).toMatchObject({
          code: "MAIL_NOT_SENT",
          message:
            "We could not send the mail that verifies your address, so no account was created. Please try again in a few minutes.",
        });
        expect(performance.now() - started).toBeLessThan(15_000);
      } finally {
        inbox.mode = "accept";
      }
      expect(await db.user.count({ where: { email } })).toBe(0);
      expect(await db.account.count({ where: { user: { email } } })).toBe(0);
      // Nothing half-made: the same address signs up once the server is back.
      const retry = await new TestBrowser({ auth }).post("/sign-up/email", {
        name: "Ada",
        email,
        password: TEST_PASSWORD,
      });
      expect(retry.status).toBe(200);
      await inbox.waitFor(email, /Verify your address/);
    },
    30_000,
  );
});
