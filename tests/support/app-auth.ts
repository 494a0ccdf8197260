import { env } from "~/env";
import { createAuth, type AuthConfig } from "~/server/auth";
import { db } from "~/server/db/prisma";

/**
 * Another deployment of the app's auth (same database), for a test that needs
 * other settings (no proxy in front, another URL, a provider): `config` over the app's.
 */
export function authWith(config: Partial<AuthConfig> = {}) {
  return createAuth({
    db,
    secret: env().BETTER_AUTH_SECRET,
    baseURL: env().BETTER_AUTH_URL,
    workerTokenTtl: env().WORKER_TOKEN_TTL,
    keyGracePeriod: env().JWT_GRACE_PERIOD,
    ...config,
  });
}
