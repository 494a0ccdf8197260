import type { BetterAuthPlugin, GenericEndpointContext } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import { genericOAuth } from "better-auth/plugins/generic-oauth";

import type { SignInProvider } from "~/app/_components/provider-sign-in";
import { env, type Env } from "~/env";

/** The provider's id in Better Auth: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

export interface OidcConfig {
  /** The issuer; its discovery document is at /.well-known/openid-configuration under it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the button: "Sign in with {name}". */
  name: string;
}

/** The provider the environment configures (src/env.ts), or undefined: no OpenID Connect sign-in. */
export function oidcConfigFrom(env: Env): OidcConfig | undefined {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return undefined;
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    name: env.OIDC_NAME,
  };
}

/** What the pages need to offer the configured provider (a button, a line in settings), or null; nothing secret. */
export function signInProvider(): SignInProvider | null {
  const config = oidcConfigFrom(env());
  return config ? { providerId: OIDC_PROVIDER_ID, name: config.name } : null;
}

/**
 * "Sign in with OpenID Connect" on Better Auth's generic OAuth plugin, which
 * does the protocol (docs/decisions/0027): discovery, the code flow with
 * PKCE, state in the database bound to a cookie and used once, a nonce kept
 * in that state, and the ID token verified with jose against the discovered
 * JWKS (signature, the discovered algorithms, iss, aud, exp, iat, nonce).
 * `requireIdTokenVerification` makes a discovery document without issuer or
 * jwks_uri skip the provider rather than trust unsigned tokens. Added here:
 * the ID-token-in-the-body sign-in is refused (below).
 */
export function oidcSignIn(config: OidcConfig | undefined) {
  // Both plugins always, the provider list empty when none is configured:
  // a conditional spread would widen the plugin list's type and lose what
  // the others add to the session's type (e.g. user.twoFactorEnabled).
  return [
    genericOAuth({
      config: config ? [oidcProvider(config)] : [],
    }),
    noIdTokenInTheBody(),
    providerUnreachable(config),
  ] as const;
}

/**
 * The plugin builds a provider from its discovery document on first use and
 * tries again on the next request while that fails; meanwhile it answers
 * "Provider not found" (404), which reads as a settings error. For the one
 * provider the settings name, that can only mean its discovery document did
 * not load: a 502 that says so. No Retry-After: the browser's client waits
 * those out, and a person would rather sign in another way.
 */
function providerUnreachable(config: OidcConfig | undefined) {
  return {
    id: "oidc-provider-unreachable",
    hooks: {
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-in/social" || ctx.path === "/link-social",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            const asked = (ctx.body as { provider?: unknown } | undefined)?.provider;
            if (!config || asked !== OIDC_PROVIDER_ID || !isAPIError(returned)) return;
            if ((returned.body as { code?: unknown } | undefined)?.code !== "PROVIDER_NOT_FOUND") return;
            const body = {
              code: "PROVIDER_UNREACHABLE",
              message: `${config.name} cannot be reached right now: try again in a moment, or sign in another way.`,
            };
            return Response.json(body, { status: 502 });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

function oidcProvider(config: OidcConfig) {
  return {
    providerId: OIDC_PROVIDER_ID,
    name: config.name,
    discoveryUrl: `${config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scopes: ["openid", "email", "profile"],
    pkce: true,
    requireIdTokenVerification: true,
  };
}

/**
 * Better Auth also signs in (and links) with an ID token the browser posts
 * to /sign-in/social or /link-social, checking the nonce only when the
 * browser sends one: any leaked, unexpired ID token for this client would
 * open the account. This app only signs in through the redirect flow, whose
 * nonce, state and PKCE verifier it made itself.
 */
function noIdTokenInTheBody() {
  return {
    id: "oidc-no-id-token-in-the-body",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/sign-in/social" || ctx.path === "/link-social",
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as { idToken?: unknown } | undefined;
            if (body?.idToken !== undefined) {
              throw APIError.from("BAD_REQUEST", {
                code: "ID_TOKEN_SIGN_IN_NOT_ALLOWED",
                message: "Sign in through the provider's own page: an ID token sent by the browser is not accepted.",
              });
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/**
 * Refuses a new account from the provider's callback for an address the
 * provider has not verified, when accounts must have verified addresses
 * (REQUIRE_EMAIL_VERIFICATION): Better Auth would create the user, send no
 * mail (sign-up mails are the sign-up-mail plugin's) and refuse the session,
 * leaving an account nobody can open. Run before the user row is written, in
 * the callback's transaction: nothing is created. Without the requirement
 * the account is created unverified, as a password sign-up is.
 */
export function assertOidcSignUpAllowed(
  user: { emailVerified?: unknown },
  ctx: GenericEndpointContext | null | undefined,
  requireEmailVerification: boolean,
): void {
  if (!requireEmailVerification || user.emailVerified === true) return;
  if (!ctx?.path.startsWith("/callback/") || ctx.params?.id !== OIDC_PROVIDER_ID) return;
  throw APIError.from("FORBIDDEN", {
    code: "email_not_verified_by_provider",
    message: "The provider has not verified this address.",
  });
}
