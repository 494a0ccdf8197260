import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { z } from "zod";

import { MailNotSent, type Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { mailNotSentError } from "./mail-not-sent";

/** How Better Auth's /change-email checks `newEmail` (the same zod): a request it refuses is told nothing. */
const newEmailSchema = z.email();

/**
 * Tells an account's current address that a change to another one was asked
 * for, before Better Auth handles the request: the notice is awaited, so
 * when it cannot be sent the request fails with a 503 in words and no link
 * to the new address goes out (the owner is always told first).
 *
 * It is sent whether or not the new address has an account. Better Auth
 * answers a change to a taken address with its usual 200 and sends nothing,
 * so it neither tells the asker the address is taken nor mails its owner;
 * sending the same notice in both cases keeps the answer's status (when
 * mail is down) and its timing (one SMTP exchange) from telling either.
 * The link to a free address goes out in the background
 * (verification-mail.ts) for the same reason.
 *
 * Here rather than in sendVerificationEmail because Better Auth runs that
 * one for /change-email through runInBackgroundOrAwait, which logs and
 * swallows what it throws: a refused mail there answered 200.
 */
export function addressChangeNotice({ mailer }: { mailer: Mailer }) {
  return {
    id: "address-change-notice",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/change-email",
          handler: createAuthMiddleware(async (ctx) => {
            const parsed = newEmailSchema.safeParse((ctx.body as { newEmail?: unknown } | undefined)?.newEmail);
            // Better Auth answers a malformed address (400) and a missing session (401) itself.
            if (!parsed.success) return;
            const session = await getSessionFromCtx(ctx, { disableCookieCache: true });
            const newEmail = parsed.data.toLowerCase();
            // The same address again: Better Auth refuses it ("Email is the same").
            if (!session || newEmail === session.user.email.toLowerCase()) return;
            try {
              await mailer.send(
                session.user.email,
                messages.addressChangeRequested({ name: session.user.name, newEmail }),
                "address-change-notice",
              );
            } catch (error) {
              if (error instanceof MailNotSent) throw mailNotSentError(error.message);
              throw error;
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
