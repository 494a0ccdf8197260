import nodemailer from "nodemailer";

import type { Logger } from "~/server/logger";

/** A composed message on its way out: where from and to, and its two bodies. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Hands a message to an SMTP server, or to the log where there is none. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * How long an SMTP server may keep a request waiting. Nodemailer's own
 * defaults (2 min to connect, 10 min of silence) would hold a sign-up open
 * for as long as a hung server pleased; with these a person gets an answer
 * in words within about half a minute.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** Nodemailer over the server `smtpUrl` names (smtp:// with STARTTLS when offered, smtps:// for TLS from the start). */
export function smtpTransport(smtpUrl: string, timeouts = SMTP_TIMEOUTS): MailTransport {
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...timeouts });
  return {
    async send(mail) {
      await transporter.sendMail(mail);
    },
    close: () => transporter.close(),
  };
}

/**
 * Outside production without SMTP_URL (a test run, `next dev` started by
 * hand): the message, link included, goes to the log at info level so the
 * flow stays usable. Production refuses to start without SMTP_URL (src/env.ts).
 */
export function logTransport(logger: Logger): MailTransport {
  return {
    async send({ to, subject, text }) {
      logger.info({ to, subject, text }, "mail not sent (no SMTP_URL): written to the log instead");
    },
    close: () => undefined,
  };
}
