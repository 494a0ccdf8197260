import { decodeJwt } from "jose";

import type { Logger } from "~/server/logger";
import { MailNotSent, type Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { VERIFY_LINK_LIFETIME, type LinkToMail } from "./link-lifetimes";
import { mailNotSentError } from "./mail-not-sent";

/**
 * Better Auth's emailVerification.sendVerificationEmail: the link that
 * verifies an address (resend), or, for a change of address, the link that
 * confirms the new one. Better Auth's tokens here are JWTs signed with the
 * secret (HS256, 24 h) rather than rows: nothing in the database hands one
 * out, and each is bound to the address it was made for, so it stops working
 * once that address is verified or changed.
 */
export function verificationMailSender({ mailer, logger }: { mailer: Mailer; logger: Logger }) {
  return async ({ user, url, token }: LinkToMail) => {
    const claims = decodeJwt(token);
    if (claims.requestType === "change-email-verification" && typeof claims.updateTo === "string") {
      // The old address has been told already (address-change-notice.ts); the
      // answer waits for that notice only, as it does when the new address
      // is taken and no link is sent, so its timing does not say which it
      // was. A link the server refuses is logged (by the mailer); asking
      // again sends another.
      void mailer
        .send(
          claims.updateTo,
          messages.confirmNewAddress({ name: user.name, url, lifetime: VERIFY_LINK_LIFETIME }),
          "confirm-new-address",
        )
        .catch((error: unknown) => {
          if (!(error instanceof MailNotSent)) logger.error({ err: error }, "address change link not sent");
        });
      return;
    }
    try {
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
