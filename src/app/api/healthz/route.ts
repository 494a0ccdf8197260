import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";

// Health check for orchestrators (the compose healthcheck, a load balancer):
// the web tier is only useful with its database, so that is asked too. Never
// cached: each probe must see the present state.
export const dynamic = "force-dynamic";

export async function GET() {
  try {
    await db.$queryRaw`SELECT 1`;
    return Response.json({ status: "ok" });
  } catch (error) {
    logger.warn({ err: error }, "health check: database unreachable");
    return Response.json({ status: "unavailable", reason: "database_unreachable" }, { status: 503 });
  }
}
