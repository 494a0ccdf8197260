import type { PrismaClient } from "~/server/db/generated/client.ts";
import type { Logger } from "~/server/logger";
import type { Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { RESET_LINK_LIFETIME } from "./link-lifetimes";
import { hashVerificationIdentifier, RESET_PASSWORD_PURPOSE } from "./verification-identifiers";

/**
 * Better Auth's emailAndPassword.sendResetPassword. Runs in the background:
 * the answer to "reset the password of <address>" must be the same, and come
 * as fast, whether or not the address has an account, so nothing a known
 * address costs (voiding older links, the SMTP exchange) may delay it. A send
 * that fails is logged by the mailer; the caller was answered already, in
 * words that hold either way ("if this address has an account…").
 */
export function resetMailSender({ mailer, db, logger }: { mailer: Mailer; db: PrismaClient; logger: Logger }) {
  return async ({
    user,
    url,
    token,
  }: {
    user: { id: string; name: string; email: string };
    url: string;
    token: string;
  }) => {
    const send = async () => {
      const identifier = await hashVerificationIdentifier(RESET_PASSWORD_PURPOSE + token);
      const link = await db.verification.findFirst({ where: { identifier }, select: { id: true, createdAt: true } });
      // Gone already: a newer link voided it (or it was used). Nothing worth mailing.
      if (!link) return;
      // A newer link voids the older ones: only the newest works. "Older", not
      // "other": two requests at once (a double click, two web instances)
      // each deleted the other's row, and neither mailed link worked.
      await db.verification.deleteMany({
        where: {
          value: user.id,
          identifier: { startsWith: RESET_PASSWORD_PURPOSE },
          OR: [{ createdAt: { lt: link.createdAt } }, { createdAt: link.createdAt, id: { lt: link.id } }],
        },
      });
      await mailer.send(
        user.email,
        messages.resetPassword({ name: user.name, url, lifetime: RESET_LINK_LIFETIME }),
        "reset-password",
      );
    };
    // Started on the next turn of the event loop, after the answer: begun at
    // once, the first (synchronous) steps of Prisma's query and of
    // nodemailer ran in among the answer's own microtasks and made a known
    // address's answer measurably slower (npm run bench:reset-timing).
    setImmediate(() => {
      send().catch((error: unknown) => {
        if ((error as Error).name !== "MailNotSent") logger.error({ err: error }, "password reset mail failed");
      });
    });
  };
}
