import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, isAPIError } from "better-auth/api";

/**
 * Drops session tokens from what Better Auth's HTTP routes answer: the raw
 * token in sign-in's and sign-up's bodies, get-session's `session.token`,
 * list-sessions' tokens, change-password's new one. The browser never needs
 * them (its session is the HttpOnly cookie), and a token readable by page
 * JavaScript is one an injected script can carry off, which is what HttpOnly
 * is there to prevent. Calls from server code (auth.api.*, no HTTP request)
 * keep Better Auth's shapes. One consequence: revoke-session, which takes a
 * token, cannot be driven from the browser (the app does not).
 */
export function hideSessionTokens() {
  return {
    id: "hide-session-tokens",
    hooks: {
      after: [
        {
          // Every route, not a list: a route added by an upgrade or a plugin is covered too.
          matcher: (ctx) => ctx.request !== undefined,
          handler: createAuthMiddleware(async (ctx) => {
            const returned: unknown = ctx.context.returned;
            if (isAPIError(returned) || returned instanceof Response) return;
            const stripped = withoutSessionTokens(returned);
            // An array too (list-sessions answers one through ctx.json as well).
            if (stripped !== returned) return ctx.json(stripped as Record<string, unknown>);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/**
 * `body` without a `token` at its top level, in its `session`, or in its
 * items; `body` itself when it has none.
 */
export function withoutSessionTokens(body: unknown): unknown {
  if (Array.isArray(body)) {
    const items = body.map(withoutToken);
    return items.some((item, i) => item !== body[i]) ? items : body;
  }
  const top = withoutToken(body);
  if (!isRecord(top) || !isRecord(top.session)) return top;
  const session = withoutToken(top.session);
  return session === top.session ? top : { ...top, session };
}

function withoutToken(value: unknown): unknown {
  if (!isRecord(value) || !("token" in value)) return value;
  const rest = { ...value };
  delete rest.token;
  return rest;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
