/**
 * A real SMTP server in the test process (smtp-server, kept by nodemailer's
 * author), standing in for the provider SMTP_URL names in production: the
 * app sends to it over SMTP as it would anywhere, it keeps every mail it
 * accepts, parsed (mailparser), and tests wait for the one sent to an
 * address. It can also require a login, refuse mail, or hang.
 */
import type { AddressInfo } from "node:net";

import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO), lower-cased. */
  to: string[];
  /** The envelope's sender (MAIL FROM). */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Who connected: tells a mail from a container from one sent on this host. */
  remoteAddress: string;
  /** The login the sender gave, if one was required. */
  user: string | undefined;
  parsed: ParsedMail;
}

/** What the server does with the next messages: take them, refuse them (550), or never answer DATA. */
export type InboxMode = "accept" | "refuse" | "hang";

export interface SmtpInboxOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The login senders must give (AUTH PLAIN or LOGIN); default: none asked for. */
  login?: { user: string; password: string };
}

export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  mode: InboxMode = "accept";
  port = 0;
  private readonly waiters = new Set<() => void>();
  private readonly hung = new Set<() => void>();

  private server!: SMTPServer;

  static async start({ host = "127.0.0.1", login }: SmtpInboxOptions = {}): Promise<SmtpInbox> {
    const inbox = new SmtpInbox();
    const server = new SMTPServer({
      // Plain TCP, as `smtp://host` without STARTTLS: the built-in certificate
      // is a published test key, so offering TLS would only make the sender
      // verify (and reject) it.
      hideSTARTTLS: true,
      allowInsecureAuth: true,
      authOptional: !login,
      authMethods: ["PLAIN", "LOGIN"],
      disableReverseLookup: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (login && auth.username === login.user && auth.password === login.password) {
          callback(null, { user: auth.username });
        } else {
          callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
        }
      },
      onData: (stream, session, callback) => inbox.take(stream, session, callback),
    });
    inbox.server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(0, host, () => {
        server.server.off("error", reject);
        resolve();
      });
    });
    inbox.port = (server.server.address() as AddressInfo).port;
    return inbox;
  }

  /** An SMTP_URL for this server on this host. */
  get url(): string {
    return `smtp://127.0.0.1:${String(this.port)}`;
  }

  private take(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) {
    if (this.mode === "hang") {
      stream.resume();
      this.hung.add(() => callback(new Error("closing")));
      return;
    }
    simpleParser(stream).then(
      (parsed) => {
        if (this.mode === "refuse") {
          callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 }));
          return;
        }
        this.received.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          subject: parsed.subject ?? "",
          text: parsed.text ?? "",
          html: typeof parsed.html === "string" ? parsed.html : "",
          remoteAddress: session.remoteAddress,
          user: session.user === undefined ? undefined : String(session.user),
          parsed,
        });
        callback();
        for (const wake of this.waiters) wake();
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Mails received for `address`, oldest first. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  /**
   * The mail to `address` whose subject matches (past the `skip` that matched
   * before), now or within `timeoutMs`; or an error saying what did arrive.
   */
  async waitFor(address: string, subject = /./, { timeoutMs = 10_000, skip = 0 } = {}): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(address).filter((mail) => subject.test(mail.subject))[skip];
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.received.map((mail) => `"${mail.subject}" to ${mail.to.join(", ")}`);
        throw new Error(
          `No mail to ${address} matching ${String(subject)} within ${String(timeoutMs / 1000)} s (received: ${seen.length > 0 ? seen.join("; ") : "none"})`,
        );
      }
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

  /** Stops listening; open and hung connections are ended, not waited for (smtp-server's own close waits up to 30 s). */
  async stop(): Promise<void> {
    for (const release of this.hung) release();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const connection of this.server.connections) connection.close();
    });
  }
}

/** The first link in a mail's plain-text body that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting ${prefix} in: ${mail.text}`);
  return link;
}
