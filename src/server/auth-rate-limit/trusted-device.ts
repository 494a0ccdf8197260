import { randomBytes } from "node:crypto";

import type { createAuthMiddleware } from "better-auth/api";

import { addressHash } from "./keys";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * A browser that has proved an account's password (or opened a valid reset
 * link for it) carries a signed cookie naming that account. Its password
 * checks draw on a budget of their own instead of the account's shared one,
 * so a stranger who keeps the shared budget spent, by guessing from anywhere,
 * cannot keep the owner out; the stranger cannot get such a cookie without
 * the password or the owner's mailbox. (OWASP's "device cookies" against
 * lockout.) One account per browser: the last one proved.
 */
const COOKIE = "trusted_device";
const LIFETIME_SECONDS = 30 * 24 * 3600;

/** The device id this request's cookie vouches for `email`'s account, or null. */
export async function trustedDeviceOf(ctx: HookContext, email: string): Promise<string | null> {
  const { name } = ctx.context.createAuthCookie(COOKIE);
  const value = await ctx.getSignedCookie(name, ctx.context.secret);
  if (!value) return null;
  const [account, device] = value.split(".");
  return account === addressHash(email) && device ? device : null;
}

/** Marks the browser as one that proved `email`'s password, keeping its device id if it had one. */
export async function trustDevice(ctx: HookContext, email: string): Promise<void> {
  const device = (await trustedDeviceOf(ctx, email)) ?? randomBytes(16).toString("base64url");
  const { name, attributes } = ctx.context.createAuthCookie(COOKIE, { maxAge: LIFETIME_SECONDS });
  await ctx.setSignedCookie(name, `${addressHash(email)}.${device}`, ctx.context.secret, attributes);
}
