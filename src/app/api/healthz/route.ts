import { databaseAvailability } from "~/server/db/database-availability";
import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { DATABASE_UNAVAILABLE } from "~/server/unavailable-answers";

// Health check for orchestrators (the compose healthcheck, a load balancer):
// the web tier is only useful with its database, so that is asked too. Never
// cached: each probe must see the present state.
export const dynamic = "force-dynamic";

export async function GET() {
  try {
    await db.$queryRaw`SELECT 1`;
    databaseAvailability.reportSuccess();
    return Response.json({ status: "ok" });
  } catch (error) {
    // The database's absence is logged once, by databaseAvailability; anything else here.
    if (!databaseAvailability.reportFailure(error)) logger.warn({ err: error }, "health check: database unreachable");
    return Response.json(
      { status: "unavailable", reason: "database_unreachable" },
      { status: 503, headers: { "retry-after": String(DATABASE_UNAVAILABLE.retryAfterSeconds) } },
    );
  }
}
