import { PrismaPg } from "@prisma/adapter-pg";

import { env } from "~/env";
import { lazy } from "~/server/lazy";
import { PrismaClient } from "./generated/client.ts";
import { withSessionWriteSignal } from "./session-writes";

export function createPrismaClient(connectionString: string): PrismaClient {
  return withSessionWriteSignal(
    new PrismaClient({
      adapter: new PrismaPg({ connectionString }),
      // An error's message is its reason, not a multi-line excerpt of the calling
      // code: it goes into one JSON log line (and the database's absence is
      // logged once, by ./database-availability.ts).
      errorFormat: "minimal",
    }),
  );
}

// One client (and so one pg pool) per process. Next.js dev re-evaluates modules
// on every edit; keeping the client on globalThis stops each reload from
// opening a new pool.
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

export const db: PrismaClient = lazy(() => {
  globalForPrisma.prisma ??= createPrismaClient(env().DATABASE_URL);
  return globalForPrisma.prisma;
});
