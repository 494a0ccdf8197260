import { APIError } from "better-auth/api";
import { decodeJwt } from "jose";

import type { PrismaClient } from "~/server/db/generated/client.ts";
import { MailNotSent, type Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { VERIFY_LINK_LIFETIME } from "./link-lifetimes";

/** The answer when a mail the request depends on could not be sent: in words, a 503, never a 500. */
export function mailNotSentError(message: string): APIError {
  return new APIError("SERVICE_UNAVAILABLE", { code: "MAIL_NOT_SENT", message });
}

/**
 * Better Auth's emailVerification.sendVerificationEmail: the link that
 * verifies an address (resend, sign-in), or, for a change of address, the
 * link that confirms the new one, after telling the old one. Better Auth's
 * tokens here are JWTs signed with the secret (HS256, 24 h) rather than rows:
 * nothing in the database hands one out, and each is bound to the address it
 * was made for, so it stops working once that address is verified or changed.
 */
export function verificationMailSender({ mailer, db }: { mailer: Mailer; db: PrismaClient }) {
  return async ({
    user,
    url,
    token,
  }: {
    user: { id: string; name: string; email: string };
    url: string;
    token: string;
  }) => {
    const claims = decodeJwt(token);
    try {
      if (claims.requestType === "change-email-verification" && typeof claims.updateTo === "string") {
        // `user` arrives with the new address; the owner's current one is in the database.
        const current = await db.user.findUnique({ where: { id: user.id }, select: { email: true, name: true } });
        // The owner hears of it first: no change link goes out unless they were told.
        if (current)
          await mailer.send(
            current.email,
            messages.addressChangeRequested({ name: current.name, newEmail: claims.updateTo }),
            "address-change-notice",
          );
        await mailer.send(
          claims.updateTo,
          messages.confirmNewAddress({ name: user.name, url, lifetime: VERIFY_LINK_LIFETIME }),
          "confirm-new-address",
        );
        return;
      }
      await mailer.send(
        user.email,
        messages.verifyAddress({ name: user.name, url, lifetime: VERIFY_LINK_LIFETIME }),
        "verify-address",
      );
    } catch (error) {
      if (error instanceof MailNotSent) throw mailNotSentError(error.message);
      throw error;
    }
  };
}
