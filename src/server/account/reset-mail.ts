import type { PrismaClient } from "~/server/db/generated/client.ts";
import type { Logger } from "~/server/logger";
import type { Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { RESET_LINK_LIFETIME, type LinkToMail } from "./link-lifetimes";
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
  return async ({ user, url, token }: LinkToMail) => {
    const send = async () => {
      // Whatever ran before for this user has finished (see `queue`): its row
      // is gone if it was older, so this check cannot pass for a link that
      // is about to be voided.
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
      void queue(user.id, () =>
        send().catch((error: unknown) => {
          if ((error as Error).name !== "MailNotSent") logger.error({ err: error }, "password reset mail failed");
        }),
      );
    });
  };
}

/**
 * One user's reset mails, one after another: run side by side (a double
 * click), the older request could see its row still there, the newer one
 * void it, and the older mail go out last with a dead link. Per process; two
 * web instances answering one double click can still mail a dead link first.
 */
const queues = new Map<string, Promise<void>>();

function queue(userId: string, task: () => Promise<void>): Promise<void> {
  const next = (queues.get(userId) ?? Promise.resolve()).then(task);
  queues.set(userId, next);
  void next.finally(() => {
    if (queues.get(userId) === next) queues.delete(userId);
  });
  return next;
}
