import type { BetterAuthOptions, BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, getIP, getSessionFromCtx, isAPIError } from "better-auth/api";

import { forwardedClientIp } from "./client-ip";
import { secondFactorUserId } from "~/server/two-factor/second-factor-user";
import { accountKey, deviceKey, ipKey, mailRequestKey, secondFactorKey } from "./keys";
import {
  ACCOUNT_RULE,
  ipRuleFor,
  isMailRequest,
  isPasswordCheck,
  isSecondFactorCheck,
  MAIL_REQUEST_RULES,
  mailedAddress,
} from "./rules";
import type { RateLimitStore } from "./store";
import { tooManyAttempts, tooManyAttemptsResponse } from "./too-many-attempts";
import { trustDevice, trustedDeviceOf } from "./trusted-device";

export { createRateLimitStore } from "./store";

export interface AuthRateLimitOptions {
  store: RateLimitStore;
  /** Reverse proxies in front of the app (TRUSTED_PROXY_HOPS); 0: no client IP is known. */
  trustedProxyHops: number;
}

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * Rate limits for Better Auth's routes, in place of its built-in limiter:
 * that one keys only on the client IP, as Better Auth reads it (a single
 * X-Forwarded-For value, which a client without a proxy picks itself), keeps
 * its counts per process unless given a store, and cannot count per account.
 *
 * - Per client IP (rules.ts), before anything else runs, when the IP is known.
 * - Per account on the paths that check a password, after the origin check
 *   and before the password is, keyed on the account, not on anything the
 *   caller can vary; a correct password clears the account's count. A
 *   browser that proved the password before has a budget of its own
 *   (trusted-device.ts), so a stranger cannot lock the owner out.
 * - Per account on the paths that check a second factor, keyed on the user
 *   the pending sign-in (or the session) names, on a budget of their own; a
 *   correct code clears it.
 * - Per address on the paths that send mail (rules.ts, MAIL_REQUEST_RULES).
 */
export function authRateLimit({ store, trustedProxyHops }: AuthRateLimitOptions) {
  return {
    id: "auth-rate-limit",

    init(ctx) {
      if (trustedProxyHops === 0 && process.env.NODE_ENV === "production") {
        ctx.logger.warn(
          "TRUSTED_PROXY_HOPS is 0: no client IP is trusted, so per-IP limits (sign-up, password spraying) are off; per-account limits hold. Set it to the number of proxies in front of the app.",
        );
      }
    },

    async onRequest(request, ctx) {
      if (trustedProxyHops === 0) return;
      const ip = clientIp(request, trustedProxyHops, ctx.options);
      const rule = ipRuleFor(authPath(request, ctx.baseURL));
      if (ip && rule) {
        const { allowed, retryAfter } = await store.consume(ipKey(rule.scope, ip), rule);
        if (!allowed) return { response: tooManyAttemptsResponse(retryAfter ?? rule.window) };
      }
      // Better Auth reads the client IP again (a session's ipAddress): it gets
      // the one resolved here, or none, never an entry the client wrote.
      const headers = new Headers(request.headers);
      if (ip) headers.set("x-forwarded-for", ip);
      else headers.delete("x-forwarded-for");
      // Built from its parts, not `new Request(request, …)`: in the production
      // server (Next.js 16 on Node 24) the request comes from another copy of
      // undici, whose private state this one cannot read ("Cannot read private
      // member #state"). The body is small: the auth route has already capped it.
      const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
      return { request: new Request(request.url, { method: request.method, headers, body, signal: request.signal }) };
    },

    hooks: {
      before: [
        {
          matcher: (ctx) => isPasswordCheck(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const email = await accountOf(ctx);
            if (email === null) return;
            const { allowed, retryAfter } = await store.consume(await budgetKey(ctx, email), ACCOUNT_RULE);
            if (!allowed) throw tooManyAttempts(retryAfter ?? ACCOUNT_RULE.window);
          }),
        },
        {
          matcher: (ctx) => isSecondFactorCheck(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const userId = await secondFactorUserId(ctx);
            // Nobody's: the plugin answers that the sign-in is not pending.
            if (userId === null) return;
            const { allowed, retryAfter } = await store.consume(secondFactorKey(userId), ACCOUNT_RULE);
            if (!allowed) throw tooManyAttempts(retryAfter ?? ACCOUNT_RULE.window);
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/reset-password",
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as { token?: unknown } | undefined;
            const token = body?.token ?? (ctx.query as { token?: unknown } | undefined)?.token;
            // Better Auth's tokens are 24 characters; a longer one finds nothing.
            if (!ctx.request || typeof token !== "string" || token.length > 64) return;
            const link = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
            if (!link || link.expiresAt < new Date()) return;
            const owner = await ctx.context.internalAdapter.findUserById(link.value);
            if (owner) resetsInFlight.set(ctx.request, owner.email);
          }),
        },
        {
          matcher: (ctx) => isMailRequest(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const address = mailedAddress(ctx.path, ctx.body);
            // Better Auth's own validation answers a missing or malformed address.
            if (typeof address !== "string") return;
            const rule = MAIL_REQUEST_RULES[ctx.path]!;
            const { allowed, retryAfter } = await store.consume(mailRequestKey(ctx.path, address), rule);
            if (!allowed) throw tooManyAttempts(retryAfter ?? rule.window);
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => isPasswordCheck(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            if (isAPIError(ctx.context.returned)) return;
            const email = await accountOf(ctx);
            if (email === null) return;
            await store.reset(await budgetKey(ctx, email));
            if (ctx.path === "/sign-in/email") await trustDevice(ctx, email);
          }),
        },
        {
          // The user as read before the check (remembered per request): a
          // sign-in's pending state is gone once its code is accepted.
          matcher: (ctx) => isSecondFactorCheck(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            if (isAPIError(ctx.context.returned) || !ctx.request) return;
            const userId = await secondFactorUserId(ctx);
            if (userId) await store.reset(secondFactorKey(userId));
          }),
        },
        {
          // Whoever opened a valid reset link owns the account: the browser
          // they did it in gets past a stranger's exhausted budget too.
          matcher: (ctx) => ctx.path === "/reset-password",
          handler: createAuthMiddleware(async (ctx) => {
            const email = ctx.request && resetsInFlight.get(ctx.request);
            if (email && !isAPIError(ctx.context.returned)) await trustDevice(ctx, email);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/** Reset requests whose token is valid, by request: the account it resets (the token is consumed by then). */
const resetsInFlight = new WeakMap<Request, string>();

/**
 * The budget a password check of `email` draws on: the account's, or, from a
 * browser that proved this account's password before, that browser's own.
 */
async function budgetKey(ctx: HookContext, email: string): Promise<string> {
  const device = ctx.path === "/sign-in/email" ? await trustedDeviceOf(ctx, email) : null;
  return device ? deviceKey(email, device) : accountKey(email);
}

/** The address `hops` proxies recorded for the client, normalised as Better Auth does (IPv6 to its /64). */
function clientIp(request: Request, hops: number, options: BetterAuthOptions): string | null {
  const entry = forwardedClientIp(request.headers.get("x-forwarded-for"), hops);
  if (!entry) return null;
  const ipv6Subnet = options.advanced?.ipAddress?.ipv6Subnet;
  return getIP(new Headers({ "x-forwarded-for": entry }), { advanced: { ipAddress: { ipv6Subnet } } });
}

/** The route under Better Auth's base path: /sign-in/email for /api/auth/sign-in/email. */
function authPath(request: Request, baseURL: string): string {
  const path = new URL(request.url).pathname;
  const base = new URL(baseURL).pathname.replace(/\/+$/, "");
  return path.startsWith(`${base}/`) ? path.slice(base.length) : path;
}

/** Whose password the request checks: the email it names, or the session's owner. */
async function accountOf(ctx: HookContext): Promise<string | null> {
  if (ctx.path === "/sign-in/email") {
    const email: unknown = (ctx.body as { email?: unknown } | undefined)?.email;
    return typeof email === "string" ? email : null;
  }
  // From the database, not the cookie cache: the endpoint's own check reuses
  // this lookup, and it must be as fresh as the one it replaces.
  const session = await getSessionFromCtx(ctx, { disableCookieCache: true });
  return session?.user.email ?? null;
}
