import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";

import { MAX_EMAIL_LENGTH, MAX_IMAGE_URL_LENGTH, MAX_NAME_LENGTH } from "~/contract/user-fields";
import { isMailRequest, mailedAddress } from "~/server/auth-rate-limit/rules";

const LIMITS = [
  { field: "name", max: MAX_NAME_LENGTH, label: "Name", code: "NAME_TOO_LONG" },
  { field: "email", max: MAX_EMAIL_LENGTH, label: "Email", code: "EMAIL_TOO_LONG" },
  { field: "image", max: MAX_IMAGE_URL_LENGTH, label: "Image URL", code: "IMAGE_URL_TOO_LONG" },
] as const;

type UserFields = Partial<Record<(typeof LIMITS)[number]["field"], unknown>>;

/**
 * Refuses (400, naming the field and its limit) a user row with a field over
 * its length limit. Better Auth runs it before it writes any user row
 * (databaseHooks in src/server/auth.ts), so sign-up, update-user and
 * whatever endpoint comes next are covered alike; Better Auth itself bounds
 * none of these (a 5 MB name went in).
 */
export function assertUserFieldLimits(user: UserFields): void {
  for (const { field, max, label, code } of LIMITS) {
    const value = user[field];
    if (typeof value === "string" && value.length > max) {
      throw APIError.from("BAD_REQUEST", {
        code,
        message: `${label} too long: use at most ${String(max)} characters.`,
      });
    }
  }
}

/**
 * The address limit for requests that name an address without writing a
 * user row (reset, resend, change of address): Better Auth's email schema
 * takes any length, so a 10,000-character "address" was looked up, and a
 * reset for it answered "check your email". Refused as sign-up refuses it.
 */
export function mailedAddressLimit() {
  return {
    id: "mailed-address-limit",
    hooks: {
      before: [
        {
          matcher: (ctx) => isMailRequest(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const address = mailedAddress(ctx.path, ctx.body);
            if (typeof address === "string") assertUserFieldLimits({ email: address });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
