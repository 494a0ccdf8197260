import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { jwt } from "better-auth/plugins";

import { env } from "~/env";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/lib/password-policy";
import { db } from "~/server/db/prisma";
import { issuerFor, WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/lib/worker-token-contract";
import { lazy } from "~/server/lazy";
import { workerTokenCache } from "~/server/worker-token-cache";
import type { PrismaClient } from "~/server/db/generated/client.ts";

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
}

export function createAuth({ db, secret, baseURL, workerTokenTtl, keyRotationInterval, keyGracePeriod }: AuthConfig) {
  return betterAuth({
    appName: "Typed Worker Stack",
    baseURL,
    secret,
    database: prismaAdapter(db, { provider: "postgresql" }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
    },
    session: {
      // Signed copy of the session in a short-lived cookie: most requests skip
      // the session lookup. Five minutes bounds how long a revoked session can
      // still pass a cookie-cached check; anything that hands out credentials
      // must ask with disableCookieCache.
      cookieCache: { enabled: true, maxAge: 5 * 60 },
    },
    // Better Auth only enables this in production by default; the dev server
    // should refuse password guessing the same way.
    rateLimit: { enabled: true, window: 60, max: 100 },
    advanced: {
      // Better Auth skips its Origin and CSRF checks when NODE_ENV is "test"
      // (create-context: skipOriginCheck defaults to isTest()). Pinned on so
      // the test suite exercises the checks production runs.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      ipAddress: {
        // The client IP keys the rate limiter. x-forwarded-for only: a reverse
        // proxy sets it, and without one Next.js fills it from the socket, but
        // only when the client sent none (`??=` in base-server.js), so without
        // a proxy that overwrites it a client can pick its own IP (README,
        // Security). Pinned so an upgrade cannot start trusting headers nothing
        // here sets (cf-connecting-ip, x-real-ip). Better Auth believes a
        // single value only; behind chained proxies, set trustedProxies.
        ipAddressHeaders: ["x-forwarded-for"],
      },
    },
    // The jwt plugin's own GET /token would mint tokens outside the exchange
    // procedure (auth.workerToken), with other claims: it stays off.
    disabledPaths: ["/token"],
    databaseHooks: {
      session: {
        delete: {
          // Sign-out (or any revocation) ends the session: its cached worker
          // token must not be handed out again.
          after: async (session) => workerTokenCache.drop(session.id),
        },
      },
    },
    plugins: [
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
        jwt: {
          issuer: issuerFor(baseURL),
          audience: WORKER_AUDIENCE,
          expirationTime: workerTokenTtl,
        },
      }),
    ],
  });
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
  }),
);
