/**
 * This process's one DatabaseAvailability (./availability.ts), probing with
 * the app's Prisma client and logging with the web tier's logger. On
 * globalThis because the proxy's bundle and the routes' each load this file.
 *
 * Anything that learns the database's state as a side effect (a poll that
 * re-validates sessions, say) feeds it with reportSuccess()/reportFailure():
 * then check() finds a fresh state and never probes on its own.
 */
import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { within } from "~/server/within";
import { createDatabaseAvailability, type DatabaseAvailability } from "./availability";

// A database that accepts connections and stays silent must not hold the requests that wait for a probe.
const PROBE_TIMEOUT_MS = 2_000;

const KEY = Symbol.for("typed-worker-stack.database-availability");
const global = globalThis as unknown as { [KEY]?: DatabaseAvailability };

export const databaseAvailability: DatabaseAvailability = (global[KEY] ??= createDatabaseAvailability({
  probe: () => within(PROBE_TIMEOUT_MS, db.$queryRaw`SELECT 1`),
  log: logger.child({ component: "database" }),
}));
