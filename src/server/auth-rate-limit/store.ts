import type { BetterAuthRateLimitOptions } from "better-auth";

import type { PrismaClient } from "~/server/db/generated/client.ts";

/** Better Auth's own shape for a rate-limit store, so this one could back its limiter too. */
export type RateLimitStorage = NonNullable<BetterAuthRateLimitOptions["customStorage"]>;
/** At most `max` attempts per `window` seconds. */
export type RateLimitRule = Parameters<RateLimitStorage["consume"]>[1];

export interface RateLimitStore extends RateLimitStorage {
  /** Forgets `key`'s attempts. */
  reset(key: string): Promise<void>;
}

// Expired rows are dead weight (the next attempt restarts their window anyway).
const PRUNE_EVERY_MS = 60_000;

/**
 * Attempt counters in the rate_limit table, shared by every web instance and
 * kept across restarts: a fixed window per key that starts with its first
 * attempt and ends at resetAt.
 */
export function createRateLimitStore(
  db: PrismaClient,
  { onPruneError }: { onPruneError: (error: unknown) => void },
): RateLimitStore {
  let lastPrune = 0;

  function pruneNowAndThen(now: Date) {
    if (now.getTime() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now.getTime();
    // In the background: no attempt waits for housekeeping.
    db.rateLimit.deleteMany({ where: { resetAt: { lt: now } } }).catch(onPruneError);
  }

  return {
    async consume(key, { window, max }) {
      // The app's clock, not the database's: the tests move it. Instances'
      // clocks differ by far less than a window.
      const now = new Date();
      const resetAt = new Date(now.getTime() + window * 1000);
      // One statement counts the attempt and reads the result, so concurrent
      // attempts (from any number of processes) queue on the row lock and
      // each sees the count its own increment made: a burst cannot all pass
      // a stale read. Prisma's upsert cannot express the window restart, so
      // this one is SQL. SET reads the row as it was, so both CASEs agree.
      const rows = await db.$queryRaw<{ count: number; resetAt: Date }[]>`
        INSERT INTO "rate_limit" ("key", "count", "resetAt") VALUES (${key}, 1, ${resetAt})
        ON CONFLICT ("key") DO UPDATE SET
          "count" = CASE WHEN "rate_limit"."resetAt" <= ${now} THEN 1 ELSE "rate_limit"."count" + 1 END,
          "resetAt" = CASE WHEN "rate_limit"."resetAt" <= ${now} THEN EXCLUDED."resetAt" ELSE "rate_limit"."resetAt" END
        RETURNING "count", "resetAt"`;
      pruneNowAndThen(now);
      const row = rows[0];
      if (!row) throw new Error(`rate limit upsert for ${key} returned no row`);
      if (row.count <= max) return { allowed: true, retryAfter: null };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((row.resetAt.getTime() - now.getTime()) / 1000)) };
    },

    async reset(key) {
      await db.rateLimit.deleteMany({ where: { key } });
    },
  };
}
