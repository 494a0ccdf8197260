/**
 * The worker's read of Better Auth's session table: which of some session ids
 * still exist, whose they are and when they end. The one place the worker
 * touches the database for authentication.
 */
import { sql } from "kysely";

import type { WorkerDb } from "./db";

/** What the session table says about one session. */
export interface StoredSession {
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface SessionStore {
  /** The sessions among `ids` that still exist; a missing id was deleted (or never existed). */
  find(ids: readonly string[]): Promise<Map<string, StoredSession>>;
}

// One round trip per chunk: bounds the statement size whatever the number
// of sessions a poll carries.
const CHUNK = 5_000;

export function createSessionStore(db: WorkerDb): SessionStore {
  return {
    find: (ids) =>
      db.asWorker(
        async (tx) => {
          const found = new Map<string, StoredSession>();
          for (let start = 0; start < ids.length; start += CHUNK) {
            const rows = await tx
              .selectFrom("session")
              .select(["id", "userId", "expiresAt"])
              .where((eb) => eb("id", "=", eb.fn.any(sql<string[]>`${ids.slice(start, start + CHUNK)}::text[]`)))
              .execute();
            for (const row of rows) found.set(row.id, { userId: row.userId, expiresAt: row.expiresAt.getTime() });
          }
          return found;
        },
        { readOnly: true },
      ),
  };
}
