import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { jwt } from "better-auth/plugins";
import { twoFactor } from "better-auth/plugins/two-factor";

import { env } from "~/env";
import type { Logger } from "~/server/logger";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/contract/password-policy";
import { betterAuthLogger } from "~/server/auth-logger";
import { authRateLimit, createRateLimitStore } from "~/server/auth-rate-limit";
import { db } from "~/server/db/prisma";
import { databaseAvailability } from "~/server/db/database-availability";
import { hideSessionTokens } from "~/server/hide-session-tokens";
import { createSigningKeyOnce } from "~/server/signing-keys";
import { issuerFor, WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { lazy } from "~/server/lazy";
import { logger as webLogger } from "~/server/logger";
import { assertUserFieldLimits, mailedAddressLimit } from "~/server/user-field-limits";
import { userDataCleanup } from "~/server/account/delete-user-data";
import { workerTokenCache } from "~/server/worker-token-cache";
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { RESET_LINK_LIFETIME, VERIFY_LINK_LIFETIME } from "~/server/account/link-lifetimes";
import { deleteAccountConfirmation } from "~/server/account/delete-account-confirmation";
import { deleteAccountLink } from "~/server/account/delete-account-link";
import { passkeyInputChecks, passkeys } from "~/server/account/passkeys";
import { addressChangeNotice } from "~/server/account/address-change-notice";
import { resetMailSender } from "~/server/account/reset-mail";
import { resetRequestFloor } from "~/server/account/reset-request-floor";
import { signUpMail } from "~/server/account/sign-up-mail";
import { hashVerificationIdentifier } from "~/server/account/verification-identifiers";
import { verificationMailSender } from "~/server/account/verification-mail";
import { accountKey } from "~/server/auth-rate-limit/keys";
import { createMailer } from "~/server/mail/mailer";
import { onSessionWrite } from "~/server/db/session-writes";
import { createSessionCache, type SessionShape } from "~/server/session-cache/session-cache";
import { cachedSessionReader, type SessionSource } from "~/server/session-cache/session-reader";
import { sessionVersions } from "~/server/session-cache/session-versions";
import { logTransport, smtpTransport, type MailTransport } from "~/server/mail/transport";
import { assertOidcSignUpAllowed, oidcConfigFrom, oidcSignIn, type OidcConfig } from "~/server/oidc-sign-in";
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS, totpReplayGuard } from "~/server/two-factor/totp-replay";

/** Seconds between two write-backs of a session in use (Better Auth's updateAge). */
const SESSION_UPDATE_AGE = 3600;
/** A session's lifetime: Better Auth's default, named so the session cache refreshes when Better Auth would. */
const SESSION_EXPIRES_IN = 7 * 24 * 3600;
/** How long "trust this browser" skips the second factor at sign-in. */
const TRUSTED_BROWSER_SECONDS = 30 * 24 * 3600;
const APP_NAME = "Typed Worker Stack";

export interface AuthConfig {
  db: PrismaClient;
  secret: string;
  baseURL: string;
  /** Worker token lifetime in seconds. */
  workerTokenTtl: number;
  /** Seconds between signing-key rotations; undefined: never rotate. */
  keyRotationInterval?: number;
  /** Seconds a retired signing key stays published. */
  keyGracePeriod: number;
  /** Reverse proxies in front of the app (TRUSTED_PROXY_HOPS); default 0: trust no client-supplied address. */
  trustedProxyHops?: number;
  /** Where Better Auth's own messages go; default: the web tier's logger. */
  logger?: Logger;
  /**
   * Seconds Better Auth may answer session reads from a signed cookie. The app
   * leaves it off (a revoked session would pass for that long); only
   * `npm run bench:security` turns it on, to measure what it would save.
   */
  sessionCookieCacheSeconds?: number;
  /** How mail goes out and whom it is from; default: to the log (mail/transport.ts). */
  mail?: { transport: MailTransport; from: string };
  /** Whether an unverified address may sign in (REQUIRE_EMAIL_VERIFICATION); default false. */
  requireEmailVerification?: boolean;
  /** "Sign in with OpenID Connect" (OIDC_*); undefined: password only. */
  oidc?: OidcConfig | undefined;
}

export function createAuth({
  db,
  secret,
  baseURL,
  workerTokenTtl,
  keyRotationInterval,
  keyGracePeriod,
  trustedProxyHops = 0,
  logger = webLogger,
  sessionCookieCacheSeconds,
  mail = { transport: logTransport(webLogger), from: "Typed Worker Stack <no-reply@localhost>" },
  requireEmailVerification = false,
  oidc,
}: AuthConfig) {
  const rateLimitStore = createRateLimitStore(db, {
    onPruneError: (err) => logger.warn({ err }, "rate limit: pruning expired rows failed"),
  });
  // Mail's own lines go to the web tier's log; `logger` is Better Auth's.
  const mailer = createMailer({ ...mail, budget: rateLimitStore, logger: webLogger.child({ component: "mail" }) });
  const instance = betterAuth({
    appName: APP_NAME,
    baseURL,
    secret,
    logger: betterAuthLogger(logger),
    database: prismaAdapter(db, { provider: "postgresql" }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      requireEmailVerification,
      sendResetPassword: resetMailSender({ mailer, db, logger: webLogger }),
      resetPasswordTokenExpiresIn: RESET_LINK_LIFETIME,
      // A reset ends every session, the thief's included; the worker refuses
      // their tokens within a second (the session table's revocation feed).
      revokeSessionsOnPasswordReset: true,
      // Whoever holds a valid reset link owns the account: a stranger who has
      // been exhausting its sign-in budget must not keep the owner out.
      onPasswordReset: async ({ user }) => rateLimitStore.reset(accountKey(user.email)),
    },
    emailVerification: {
      sendVerificationEmail: verificationMailSender({ mailer, logger: webLogger }),
      // The sign-up mail is sent by the sign-up-mail plugin, which can undo
      // the sign-up when it cannot be sent; Better Auth's only logs.
      sendOnSignUp: false,
      // A sign-in attempt must not be a way to make the app mail someone.
      sendOnSignIn: false,
      autoSignInAfterVerification: true,
      expiresIn: VERIFY_LINK_LIFETIME,
    },
    user: {
      // The new address takes effect when the link mailed to it is opened
      // (account/verification-mail.ts); the old one is told first, also when
      // the new one is taken (account/address-change-notice.ts).
      changeEmail: { enabled: true },
      // The database cascades the user row to everything but the documents'
      // ingestion jobs, which these hooks remove (account/delete-user-data.ts).
      deleteUser: { enabled: true, ...userDataCleanup(db) },
    },
    account: {
      accountLinking: {
        enabled: true,
        // An OpenID Connect identity joins an existing account only through
        // the link flow a signed-in owner starts (settings, Sign-in methods),
        // and only when the provider says the address is verified and it is
        // the account's own (no trustedProviders, no allowDifferentEmails).
        // A sign-in whose address belongs to an account it is not linked to
        // is refused (account_not_linked), whatever the provider says: an
        // address is not proof of owning the account here.
        disableImplicitLinking: true,
        trustedProviders: [],
        allowDifferentEmails: false,
      },
    },
    // Where the OAuth callback sends the browser when it fails (?error=CODE):
    // the sign-in page, which says what happened in words. Better Auth's
    // default is its own bare /api/auth/error page.
    onAPIError: { errorURL: new URL("/sign-in", baseURL).href },
    verification: {
      storeIdentifier: { hash: hashVerificationIdentifier },
    },
    session: {
      // How often a session in use is written back (its expiry moved on):
      // the "last active" the account page shows is at most this old.
      updateAge: SESSION_UPDATE_AGE,
      expiresIn: SESSION_EXPIRES_IN,
      // No signed copy of the session in a cookie: with one, a signed-out
      // session's replayed cookies still rendered the dashboard (name, email)
      // and passed update-user for its maxAge. The app's pages and tRPC calls
      // read sessions through `readSession` (below), which holds them in
      // memory but re-validates them every 250 ms (docs/decisions/0026).
      cookieCache: sessionCookieCacheSeconds
        ? { enabled: true, maxAge: sessionCookieCacheSeconds }
        : { enabled: false },
    },
    // Replaced by the auth-rate-limit plugin below (per account as well as
    // per IP, counts in the database, the IP from TRUSTED_PROXY_HOPS); it
    // applies in every environment, the dev server included.
    rateLimit: { enabled: false },
    advanced: {
      // Better Auth skips its Origin and CSRF checks when NODE_ENV is "test"
      // (create-context: skipOriginCheck defaults to isTest()). Pinned on so
      // the test suite exercises the checks production runs.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      ipAddress: {
        // Where Better Auth reads a client IP (a session's ipAddress). The
        // auth-rate-limit plugin rewrites x-forwarded-for to the one address
        // TRUSTED_PROXY_HOPS vouches for before Better Auth reads it. Pinned
        // so an upgrade cannot start trusting headers nothing here sets
        // (cf-connecting-ip, x-real-ip).
        ipAddressHeaders: ["x-forwarded-for"],
        // Without a proxy every address a request names is the client's own
        // claim: record none rather than a forged one.
        disableIpTracking: trustedProxyHops === 0,
      },
    },
    disabledPaths: [
      // The jwt plugin's own GET /token would mint tokens outside the exchange
      // procedure (auth.workerToken), with other claims: it stays off.
      "/token",
      // Answers whether a password is the session owner's: nothing here uses
      // it, and with a stolen cookie it is a password oracle.
      "/verify-password",
      // Deletes on a GET, which a mail scanner's prefetch can make: the
      // mailed deletion link opens an app page that asks first
      // (account/delete-account-link.ts).
      "/delete-user/callback",
      // The two-factor plugin's codes by mail or SMS: not offered (no sendOTP).
      "/two-factor/send-otp",
      "/two-factor/verify-otp",
      // Hands out the TOTP secret again for a password; the settings page
      // shows it once, at setup, and a lost one is a disable and enable away.
      "/two-factor/get-totp-uri",
    ],
    databaseHooks: {
      user: {
        // Every write of a user row, whichever endpoint makes it.
        create: {
          before: async (user, ctx) => {
            assertUserFieldLimits(user);
            assertOidcSignUpAllowed(user, ctx, requireEmailVerification);
          },
        },
        update: { before: async (user) => assertUserFieldLimits(user) },
      },
      session: {
        delete: {
          // Sign-out (or any revocation) ends the session: its cached worker
          // token must not be handed out again.
          after: async (session) => workerTokenCache.drop(session.id),
        },
      },
    },
    plugins: [
      mailedAddressLimit(),
      authRateLimit({ store: rateLimitStore, trustedProxyHops }),
      resetRequestFloor(),
      signUpMail({ mailer, db }),
      deleteAccountConfirmation(),
      deleteAccountLink({ mailer }),
      addressChangeNotice({ mailer }),
      hideSessionTokens(),
      ...oidcSignIn(oidc),
      // TOTP sign-in: after the password, a sign-in is only a pending cookie
      // (no session row, no session cookie) until /two-factor/verify-totp or
      // /two-factor/verify-backup-code accepts a code. Secrets and backup codes
      // are stored encrypted with the secret. Its own limits stay on: 5 codes
      // per pending sign-in, and 10 failures in a row lock the account's
      // second factor for 15 minutes; its declared rateLimit rule is inert, as
      // Better Auth's limiter is off (auth-rate-limit counts these paths).
      twoFactor({
        trustDeviceMaxAge: TRUSTED_BROWSER_SECONDS,
        totpOptions: { digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS },
      }),
      // After the rate limiter's hook (it counts the attempt first): a TOTP code is good once.
      totpReplayGuard(db),
      // Passkeys (WebAuthn) for the app's own host and origin; the checks
      // first, so the plugin sees only input it can take.
      passkeyInputChecks(),
      passkeys({ baseURL, appName: APP_NAME }),
      // The key store for worker tokens: Ed25519 keys in the jwks table, private
      // halves encrypted with the secret, public halves at /api/auth/jwks.
      jwt({
        // Otherwise every get-session call would sign a token it does not need.
        disableSettingJwtHeader: true,
        jwks: {
          keyPairConfig: { alg: WORKER_TOKEN_ALG, crv: "Ed25519" },
          rotationInterval: keyRotationInterval,
          gracePeriod: keyGracePeriod,
        },
        // Reads stay the plugin's own; creation takes a database lock, so a
        // burst of mints at the first start or at a rotation makes one key.
        adapter: { createJwk: createSigningKeyOnce(db) },
        jwt: {
          issuer: issuerFor(baseURL),
          audience: WORKER_AUDIENCE,
          expirationTime: workerTokenTtl,
        },
      }),
    ],
  });
  return Object.assign(instance, sessionReads(instance, db));
}

/**
 * Session reads for the app's pages and tRPC calls (`readSession`): held in
 * memory per cookie and re-validated by a poll (session-cache/session-cache.ts,
 * docs/decisions/0026), so a request costs no database round trip and no HMAC
 * check, and a session ended anywhere is refused within a second. Better
 * Auth's own routes (/api/auth/*) still read the database every time.
 */
function sessionReads<V extends SessionShape>(instance: SessionSource<V>, db: PrismaClient) {
  const log = webLogger.child({ component: "sessions" });
  let pollErrorLoggedAt = -Infinity;
  const sessions = createSessionCache<V>({
    store: sessionVersions(db),
    updateAgeSeconds: SESSION_UPDATE_AGE,
    expiresInSeconds: SESSION_EXPIRES_IN,
    // Ended on any process, or by hand: its worker token must not be handed out again.
    onEnded: (sessionId) => workerTokenCache.drop(sessionId),
    onReached: () => databaseAvailability.reportSuccess(),
    // The database's absence is logged once, by its availability state; any
    // other failure at most once per 10 s: a poll that fails fails four times a second.
    onPollError: (err) => {
      if (databaseAvailability.reportFailure(err) || Date.now() - pollErrorLoggedAt < 10_000) return;
      pollErrorLoggedAt = Date.now();
      log.warn({ err }, "sessions: re-reading the sessions held failed");
    },
  });
  onSessionWrite(db, () => sessions.written());
  return { sessions, readSession: cachedSessionReader(instance, sessions) };
}

export type Auth = ReturnType<typeof createAuth>;
export type Session = Auth["$Infer"]["Session"];

export const auth: Auth = lazy(() =>
  createAuth({
    db,
    secret: env().BETTER_AUTH_SECRET,
    baseURL: env().BETTER_AUTH_URL,
    workerTokenTtl: env().WORKER_TOKEN_TTL,
    keyRotationInterval: env().JWT_ROTATION_INTERVAL,
    keyGracePeriod: env().JWT_GRACE_PERIOD,
    trustedProxyHops: env().TRUSTED_PROXY_HOPS,
    requireEmailVerification: env().REQUIRE_EMAIL_VERIFICATION,
    oidc: oidcConfigFrom(env()),
    mail: {
      transport: env().SMTP_URL ? smtpTransport(env().SMTP_URL!) : logTransport(webLogger),
      from: env().MAIL_FROM,
    },
  }),
);
