import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";

import { linkIn, SmtpInbox } from "./smtp-inbox";

const LOGIN = { user: "mailer", password: "inbox-test-password" };

describe("SmtpInbox", () => {
  let inbox: SmtpInbox | undefined;
  afterEach(async () => {
    await inbox?.stop();
    inbox = undefined;
  });

  const transport = (user: string, password: string) =>
    nodemailer.createTransport(
      `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${String(inbox!.port)}`,
    );

  it("accepts mail from the login it was given, and hands a waiting test the mail to an address", async () => {
    inbox = await SmtpInbox.start({ login: LOGIN });
    const waiting = inbox.waitFor("Ada@Example.com", /Verify/, { timeoutMs: 5_000 });
    const link = `http://localhost:3000/api/auth/verify-email?token=${"x".repeat(100)}&callbackURL=%2F`;
    const sender = transport(LOGIN.user, LOGIN.password);
    await sender.sendMail({
      from: "Typed Worker Stack <no-reply@example.com>",
      to: "ada@example.com",
      subject: "Verify your email",
      text: `Open ${link}`,
      html: `<a href="${link.replaceAll("&", "&amp;")}">Verify</a>`,
    });
    sender.close();
    const mail = await waiting;
    expect(mail).toMatchObject({
      to: ["ada@example.com"],
      from: "no-reply@example.com",
      user: LOGIN.user,
      remoteAddress: "127.0.0.1",
      subject: "Verify your email",
    });
    expect(mail.parsed.from?.value).toEqual([{ address: "no-reply@example.com", name: "Typed Worker Stack" }]);
    expect(linkIn(mail, "http://localhost:3000/")).toBe(link);
  });

  it("refuses a wrong password, and says what did arrive when the awaited mail does not", async () => {
    inbox = await SmtpInbox.start({ login: LOGIN });
    const sender = transport(LOGIN.user, "wrong");
    await expect(
      sender.sendMail({ from: "a@example.com", to: "ada@example.com", subject: "x", text: "x" }),
    ).rejects.toThrow(/535/);
    sender.close();
    const right = transport(LOGIN.user, LOGIN.password);
    await right.sendMail({ from: "a@example.com", to: "grace@example.com", subject: "Other", text: "x" });
    right.close();
    await expect(inbox.waitFor("ada@example.com", /./, { timeoutMs: 300 })).rejects.toThrow(
      'No mail to ada@example.com matching /./ within 0.3 s (received: "Other" to grace@example.com)',
    );
  });

  it("refuses mail with a 550, or hangs, when told to", async () => {
    inbox = await SmtpInbox.start();
    inbox.mode = "refuse";
    const sender = nodemailer.createTransport({ url: inbox.url, socketTimeout: 500 });
    await expect(sender.sendMail({ from: "a@example.com", to: "b@example.com", text: "x" })).rejects.toThrow(/550/);
    inbox.mode = "hang";
    await expect(sender.sendMail({ from: "a@example.com", to: "b@example.com", text: "x" })).rejects.toThrow(
      /timeout/i,
    );
    sender.close();
    expect(inbox.received).toEqual([]);
  });
});
