/**
 * A real SMTP server in the test process (smtp-server), standing in for the
 * provider SMTP_URL names in production: it requires the login it was given,
 * keeps every mail it accepts, parsed (mailparser), and lets a test wait for
 * the one sent to an address. Nothing is delivered anywhere.
 */
import type { AddressInfo } from "node:net";

import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpInboxOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default: a free one. */
  port?: number;
  /** The login senders must give (AUTH PLAIN or LOGIN). */
  user: string;
  password: string;
}

export interface ReceivedMail {
  /** The SMTP envelope's recipients (RCPT TO), lower-cased. */
  recipients: string[];
  /** The envelope's sender (MAIL FROM). */
  sender: string;
  /** Who connected: tells a mail from a container from one sent on this host. */
  remoteAddress: string;
  /** The login the sender gave. */
  user: string;
  parsed: ParsedMail;
}

export interface SmtpInbox {
  /** The port it listens on. */
  port: number;
  /** Every mail accepted so far, in order. */
  readonly mails: ReceivedMail[];
  /** The first mail to `address` (now or within `timeoutMs`), or an error saying what did arrive. */
  mailTo(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

export async function startSmtpInbox(options: SmtpInboxOptions): Promise<SmtpInbox> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    // Plain TCP with a login, as `smtp://user:password@host` without STARTTLS:
    // the built-in certificate is a published test key, so offering TLS would
    // only make the sender verify (and reject) it.
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          mails.push({
            recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            remoteAddress: session.remoteAddress,
            user: String(session.user),
            parsed,
          });
          for (const wake of waiters) wake();
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.server.off("error", reject);
      resolve();
    });
  });

  const find = (address: string) => mails.find((mail) => mail.recipients.includes(address.toLowerCase()));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    mailTo(address, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find(address);
          if (!mail) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = mails.map((mail) => `"${mail.parsed.subject ?? ""}" to ${mail.recipients.join(", ")}`);
          reject(
            new Error(
              `No mail to ${address} within ${String(timeoutMs / 1000)} s (received: ${seen.length > 0 ? seen.join("; ") : "none"})`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    // Open connections are ended, not waited for (smtp-server's own close waits up to 30 s).
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of server.connections) connection.close();
      }),
  };
}

/** The links in a mail, from its HTML (href) and its text, each once, in order. */
export function linksIn(mail: ParsedMail): string[] {
  const fromHtml = [...(typeof mail.html === "string" ? mail.html : "").matchAll(/href="([^"]+)"/g)].map((match) =>
    match[1]!.replaceAll("&amp;", "&"),
  );
  const fromText = [...(mail.text ?? "").matchAll(/https?:\/\/[^\s<>"')\]]+/g)].map((match) => match[0]);
  return [...new Set([...fromHtml, ...fromText])];
}
