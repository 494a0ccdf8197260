import { getSessionFromCtx, type createAuthMiddleware } from "better-auth/api";

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * The two-factor plugin's cookie for a sign-in waiting for its code (its
 * TWO_FACTOR_COOKIE_NAME, which the plugin does not export): signed, it
 * holds the identifier of a verification row whose value is the user's id.
 */
const PENDING_COOKIE = "two_factor";

/**
 * Whose second factor the request checks, as the plugin decides it
 * (verify-two-factor.mjs): the session's user when there is one, otherwise
 * the user the pending sign-in cookie names. Null when neither: the plugin
 * then answers 401 itself. From the server's rows, never from anything the
 * caller can vary without the password.
 */
export function secondFactorUserId(ctx: HookContext): Promise<string | null> {
  // Once per request: the rate limiter and the replay guard both ask, and
  // the limiter asks again after the check, when the pending sign-in is gone.
  if (!ctx.request) return lookUp(ctx);
  let answer = answers.get(ctx.request);
  if (!answer) answers.set(ctx.request, (answer = lookUp(ctx)));
  return answer;
}

const answers = new WeakMap<Request, Promise<string | null>>();

async function lookUp(ctx: HookContext): Promise<string | null> {
  const session = await getSessionFromCtx(ctx, { disableCookieCache: true });
  if (session) return session.user.id;
  const { name } = ctx.context.createAuthCookie(PENDING_COOKIE);
  const identifier = await ctx.getSignedCookie(name, ctx.context.secret);
  if (!identifier) return null;
  const pending = await ctx.context.internalAdapter.findVerificationValue(identifier);
  return pending && pending.expiresAt > new Date() ? pending.value : null;
}
