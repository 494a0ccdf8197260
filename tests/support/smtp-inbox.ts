import type { AddressInfo } from "node:net";

import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A mail as the SMTP server received it, parsed. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: ParsedMail;
}

/** What the server does with the next messages: take them, refuse them (550), or never answer DATA. */
export type InboxMode = "accept" | "refuse" | "hang";

/**
 * A real SMTP server (smtp-server, the library nodemailer's author keeps) in
 * the test process, on a free local port: the app sends to it over SMTP as it
 * would to any provider, and tests read what arrived.
 */
export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  mode: InboxMode = "accept";
  private readonly waiters = new Set<() => void>();
  private readonly hung = new Set<() => void>();
  private server!: SMTPServer;
  url = "";

  static async start(): Promise<SmtpInbox> {
    const inbox = new SmtpInbox();
    inbox.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData: (stream, session, callback) => {
        if (inbox.mode === "hang") {
          stream.resume();
          inbox.hung.add(() => callback(new Error("closing")));
          return;
        }
        void simpleParser(stream).then(
          (parsed) => {
            if (inbox.mode === "refuse") {
              callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 }));
              return;
            }
            inbox.received.push({
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              raw: parsed,
            });
            callback();
            for (const wake of inbox.waiters) wake();
          },
          (error: unknown) => callback(error as Error),
        );
      },
    });
    await new Promise<void>((resolve) => inbox.server.listen(0, "127.0.0.1", resolve));
    inbox.url = `smtp://127.0.0.1:${String((inbox.server.server.address() as AddressInfo).port)}`;
    return inbox;
  }

  /** Mails received for `address`, oldest first. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  /** Waits until a mail for `address` whose subject matches arrives (past the `skip` that matched before). */
  async waitFor(address: string, subject: RegExp, { timeoutMs = 10_000, skip = 0 } = {}): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(address).filter((mail) => subject.test(mail.subject))[skip];
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no mail to ${address} matching ${String(subject)} within ${String(timeoutMs)} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async stop(): Promise<void> {
    for (const release of this.hung) release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The first link in a mail's plain-text body that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting ${prefix} in: ${mail.text}`);
  return link;
}
