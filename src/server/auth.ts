import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";

import { env } from "~/env";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/lib/password-policy";
import { db } from "~/server/db/prisma";
import { lazy } from "~/server/lazy";
import type { PrismaClient } from "~/server/db/generated/client.ts";

export interface AuthConfig {
  db: PrismaClient;
  secret: string;
  baseURL: string;
}

export function createAuth({ db, secret, baseURL }: AuthConfig) {
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
  });
}

export type Auth = ReturnType<typeof createAuth>;
export type Session = Auth["$Infer"]["Session"];

export const auth: Auth = lazy(() =>
  createAuth({ db, secret: env().BETTER_AUTH_SECRET, baseURL: env().BETTER_AUTH_URL }),
);
