import type { PrismaClient } from "~/server/db/generated/client.ts";
import type { SessionRowVersion, SessionVersionStore } from "./session-cache";

interface Row {
  id: string;
  userId: string;
  expiresAt: Date;
  sessionUpdatedAt: Date;
  userUpdatedAt: Date;
  rowHash: string;
}

/**
 * The session cache's poll: one statement for every session held, each joined
 * to its user. The hash covers both whole rows, so a column added later is
 * covered too without a change here.
 */
export function sessionVersions(db: PrismaClient): SessionVersionStore {
  return {
    async versions(sessionIds) {
      const rows = await db.$queryRaw<Row[]>`
        SELECT s."id", s."userId", s."expiresAt", s."updatedAt" AS "sessionUpdatedAt",
               u."updatedAt" AS "userUpdatedAt", md5(s::text || u::text) AS "rowHash"
        FROM "session" s JOIN "user" u ON u."id" = s."userId"
        WHERE s."id" = ANY(${sessionIds}::text[])`;
      return new Map<string, SessionRowVersion>(
        rows.map((row) => [
          row.id,
          {
            userId: row.userId,
            expiresAt: row.expiresAt.getTime(),
            sessionUpdatedAt: row.sessionUpdatedAt.getTime(),
            userUpdatedAt: row.userUpdatedAt.getTime(),
            rowHash: row.rowHash,
          },
        ]),
      );
    },
  };
}
