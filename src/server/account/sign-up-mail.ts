import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, createEmailVerificationToken, isAPIError } from "better-auth/api";
import { deleteSessionCookie } from "better-auth/cookies";

import { VERIFIED_PAGE } from "~/contract/account-pages";
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { MailNotSent, type Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { VERIFY_LINK_LIFETIME } from "./link-lifetimes";
import { mailNotSentError } from "./mail-not-sent";

export { VERIFIED_PAGE };

/**
 * The mail a sign-up sends, in place of Better Auth's sendOnSignUp, which
 * sends after the account is committed and only logs a failure: that leaves
 * an account whose owner never got the link. Here the send is part of the
 * answer: when the SMTP server does not take it, the new account is deleted
 * again and the caller is told, in words, that nothing was made.
 *
 * When the address already has an account (Better Auth then answers with a
 * made-up user, so the answer does not tell), its owner is told by mail
 * instead. Both branches wait for an SMTP exchange, so neither the answer
 * nor its timing says which one ran; when mail is down, both fail alike.
 */
export function signUpMail({ mailer, db }: { mailer: Mailer; db: PrismaClient }) {
  return {
    id: "sign-up-mail",
    hooks: {
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-up/email",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned as { user?: { id?: unknown; email?: unknown } } | undefined;
            if (isAPIError(returned) || typeof returned?.user?.id !== "string") return;
            const { id, email } = returned.user;
            const created = await db.user.findUnique({ where: { id } });
            try {
              if (created) {
                const token = await createEmailVerificationToken(
                  ctx.context.secret,
                  created.email,
                  undefined,
                  VERIFY_LINK_LIFETIME,
                  { userId: created.id },
                );
                const url = `${ctx.context.baseURL}/verify-email?token=${token}&callbackURL=${encodeURIComponent(VERIFIED_PAGE)}`;
                await mailer.send(
                  created.email,
                  messages.verifyAddress({ name: created.name, url, lifetime: VERIFY_LINK_LIFETIME }),
                  "verify-address",
                );
              } else if (typeof email === "string") {
                const existing = await db.user.findUnique({ where: { email }, select: { name: true, email: true } });
                if (existing)
                  await mailer.send(
                    existing.email,
                    messages.signUpAttempt({
                      name: existing.name,
                      signInUrl: new URL("/sign-in", ctx.context.baseURL).href,
                    }),
                    "sign-up-attempt",
                  );
              }
            } catch (error) {
              if (!(error instanceof MailNotSent)) throw error;
              // Cascades to the account row (the password) and any session.
              if (created) await db.user.deleteMany({ where: { id: created.id } });
              deleteSessionCookie(ctx);
              throw mailNotSentError(
                "We could not send the mail that verifies your address, so no account was created. Please try again in a few minutes.",
              );
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
