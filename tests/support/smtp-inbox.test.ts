import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";

import { linksIn, startSmtpInbox, type SmtpInbox } from "./smtp-inbox";

const LOGIN = { user: "mailer", password: "inbox-test-password" };

describe("startSmtpInbox", () => {
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
    inbox = await startSmtpInbox(LOGIN);
    const waiting = inbox.mailTo("Ada@Example.com", 5_000);
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
    expect(mail.recipients).toEqual(["ada@example.com"]);
    expect(mail.sender).toBe("no-reply@example.com");
    expect(mail.user).toBe(LOGIN.user);
    expect(mail.remoteAddress).toBe("127.0.0.1");
    expect(mail.parsed.subject).toBe("Verify your email");
    expect(mail.parsed.from?.value).toEqual([{ address: "no-reply@example.com", name: "Typed Worker Stack" }]);
    expect(linksIn(mail.parsed)).toEqual([link]);
  });

  it("refuses a wrong password, and says what did arrive when the awaited mail does not", async () => {
    inbox = await startSmtpInbox(LOGIN);
    const sender = transport(LOGIN.user, "wrong");
    await expect(
      sender.sendMail({ from: "a@example.com", to: "ada@example.com", subject: "x", text: "x" }),
    ).rejects.toThrow(/535/);
    sender.close();
    const right = transport(LOGIN.user, LOGIN.password);
    await right.sendMail({ from: "a@example.com", to: "grace@example.com", subject: "Other", text: "x" });
    right.close();
    await expect(inbox.mailTo("ada@example.com", 300)).rejects.toThrow(
      'No mail to ada@example.com within 0.3 s (received: "Other" to grace@example.com)',
    );
  });
});
