/**
 * The worker's read of Better Auth's session table: which of some session ids
 * still exist, whose they are and when they end. The one place the worker
 * touches the database for authentication.
 */
import pg from "pg";

/** What the session table says about one session. */
export interface StoredSession {
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface SessionStore {
  /** The sessions among `ids` that still exist; a missing id was deleted (or never existed). */
  find(ids: readonly string[]): Promise<Map<string, StoredSession>>;
  close(): Promise<void>;
}

/** The role the migrations grant the worker's privileges to (prisma/migrations/…_worker_role). */
export const WORKER_DB_ROLE = "app_worker";

// One round trip per chunk: bounds the statement size whatever the number
// of sessions a poll carries.
const CHUNK = 5_000;

export function createSessionStore(databaseUrl: string): SessionStore {
  // Two connections: the revocation poll and first-sight lookups, which may
  // overlap. Errors on idle connections (the database restarting) must not
  // crash the worker: the next query reconnects.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 2_000 });
  pool.on("error", () => undefined);

  return {
    async find(ids) {
      const found = new Map<string, StoredSession>();
      if (ids.length === 0) return found;
      const client = await pool.connect();
      try {
        // Dropping to the worker's role for the transaction only: whatever
        // login the URL names (even DATABASE_URL's), this code reads with
        // the three columns app_worker may see. SET LOCAL ends with the
        // transaction, so the connection never stays switched (that matters
        // on the embedded PGlite, where all connections share one session).
        await client.query("BEGIN READ ONLY");
        await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
        for (let start = 0; start < ids.length; start += CHUNK) {
          const { rows } = await client.query<{ id: string; userId: string; expiresAt: Date }>(
            'SELECT "id", "userId", "expiresAt" FROM "session" WHERE "id" = ANY($1::text[])',
            [ids.slice(start, start + CHUNK)],
          );
          for (const row of rows) found.set(row.id, { userId: row.userId, expiresAt: row.expiresAt.getTime() });
        }
        await client.query("COMMIT");
        client.release();
        return found;
      } catch (error) {
        // A connection in an unknown state is not reused.
        client.release(error as Error);
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
