import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";

/**
 * Deleting an account takes its password. Better Auth would otherwise
 * delete on a session less than a day old with no password at all (its
 * freshAge rule), so a cookie left in a borrowed browser, or an injected
 * request, could erase an account and every document in it. The password
 * is then checked by Better Auth, within the per-account password budget
 * (auth-rate-limit: /delete-user is a password check). Every account has a
 * password but those made by single sign-on, which confirm by a mailed link
 * instead (delete-account-link.ts).
 */
export function deleteAccountConfirmation() {
  return {
    id: "delete-account-confirmation",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/delete-user",
          handler: createAuthMiddleware(async (ctx) => {
            const { password, token } = (ctx.body ?? {}) as { password?: unknown; token?: unknown };
            // A token is the mailed link of an account without a password (delete-account-link.ts).
            if (typeof token === "string" && token !== "") return;
            if (typeof password !== "string" || password === "") {
              throw new APIError("BAD_REQUEST", {
                code: "PASSWORD_REQUIRED",
                message: "Enter your password to delete the account.",
              });
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
