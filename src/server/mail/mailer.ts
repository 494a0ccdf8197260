import { addressHash } from "~/server/auth-rate-limit/keys";
import type { RateLimitRule, RateLimitStore } from "~/server/auth-rate-limit/store";
import type { Logger } from "~/server/logger";

import type { MailMessage } from "./messages";
import type { MailTransport } from "./transport";

/**
 * Mails one address may receive in an hour, whatever asks for them: a flood
 * of requests naming one address (reset, resend, sign-up attempts) sends at
 * most this many. Past it, requests are answered as usual and nothing is
 * sent: the answer must not say whether a mail went out.
 */
export const MAILS_PER_ADDRESS: RateLimitRule = { window: 3600, max: 5 };

/** A mail the SMTP server did not take. `message` is for people: it names no internals. */
export class MailNotSent extends Error {
  override name = "MailNotSent";
  constructor(options: { cause: unknown }) {
    super("The mail could not be sent right now. Please try again in a few minutes.", options);
  }
}

export interface Mailer {
  /**
   * Sends `message` to `to`, within the address's hourly budget. Resolves
   * "sent", or "over-budget" when nothing was sent; rejects with MailNotSent
   * when the server refused, failed or timed out.
   */
  send(to: string, message: MailMessage, purpose: string): Promise<"sent" | "over-budget">;
}

export function mailBudgetKey(address: string): string {
  return `mail:${addressHash(address)}`;
}

export function createMailer({
  transport,
  from,
  budget,
  logger,
}: {
  transport: MailTransport;
  from: string;
  budget: RateLimitStore;
  logger: Logger;
}): Mailer {
  return {
    async send(to, message, purpose) {
      // The log names the domain only: addresses are personal data.
      const context = { purpose, toDomain: to.slice(to.lastIndexOf("@") + 1) };
      const { allowed } = await budget.consume(mailBudgetKey(to), MAILS_PER_ADDRESS);
      if (!allowed) {
        logger.warn(context, "mail not sent: the address has had its mails for this hour");
        return "over-budget";
      }
      const started = performance.now();
      try {
        await transport.send({ from, to, ...message });
      } catch (error) {
        logger.error({ ...context, err: error }, "mail not sent: the SMTP server did not take it");
        throw new MailNotSent({ cause: error });
      }
      logger.info({ ...context, ms: Math.round(performance.now() - started) }, "mail sent");
      return "sent";
    },
  };
}
