import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, sensitiveSessionMiddleware } from "better-auth/api";
import { generateRandomString } from "better-auth/crypto";

import { MailNotSent, type Mailer } from "~/server/mail/mailer";
import { messages } from "~/server/mail/messages";

import { DELETE_LINK_LIFETIME } from "./link-lifetimes";
import { mailNotSentError } from "./mail-not-sent";

/** Where a mailed deletion link leads: a page that asks once more, then posts the token. */
export const DELETE_ACCOUNT_PAGE = "/dashboard/account/delete";

/**
 * POST /delete-user/send-link: an account without a password (one that
 * signs in only through OpenID Connect) confirms its deletion by a link
 * mailed to its address instead. The token is Better Auth's own
 * (`delete-account-<token>` in the verification table, as its
 * sendDeleteAccountVerification makes), so its /delete-user consumes it with
 * `{ token }`. That option is not set: it would mail every account, password
 * or not, instead of deleting on the password. The link opens an app page
 * that asks before it posts, not Better Auth's GET callback, which deletes on
 * a GET that a mail scanner's prefetch could make (disabled in auth.ts).
 */
export function deleteAccountLink({ mailer }: { mailer: Mailer }) {
  return {
    id: "delete-account-link",
    endpoints: {
      sendDeleteAccountLink: createAuthEndpoint(
        "/delete-user/send-link",
        { method: "POST", use: [sensitiveSessionMiddleware] },
        async (ctx) => {
          const { user } = ctx.context.session;
          const credential = await ctx.context.internalAdapter.findCredentialAccount(user.id);
          if (credential?.password)
            throw new APIError("BAD_REQUEST", {
              code: "ACCOUNT_HAS_PASSWORD",
              message: "This account has a password: enter it to delete the account.",
            });
          const token = generateRandomString(32, "0-9", "a-z");
          await ctx.context.internalAdapter.createVerificationValue({
            value: user.id,
            identifier: `delete-account-${token}`,
            expiresAt: new Date(Date.now() + DELETE_LINK_LIFETIME * 1000),
          });
          const url = new URL(DELETE_ACCOUNT_PAGE, ctx.context.baseURL);
          url.searchParams.set("token", token);
          let sent;
          try {
            sent = await mailer.send(
              user.email,
              messages.confirmAccountDeletion({ name: user.name, url: url.href, lifetime: DELETE_LINK_LIFETIME }),
              "confirm-account-deletion",
            );
          } catch (error) {
            if (error instanceof MailNotSent) throw mailNotSentError(error.message);
            throw error;
          }
          if (sent === "over-budget")
            throw new APIError("TOO_MANY_REQUESTS", {
              code: "MAIL_BUDGET_SPENT",
              message: "Your address has had as many mails as it may this hour: ask again later.",
            });
          return ctx.json({ sent: true });
        },
      ),
    },
  } satisfies BetterAuthPlugin;
}
