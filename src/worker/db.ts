/**
 * The worker's connection pool, and the one way its code queries through it:
 * `asWorker`, a transaction that first drops to the role app_worker.
 *
 * Whatever login the URL names (app_worker itself under docker compose, a
 * login that is only its member under `npm run dev`, the database owner's in
 * some tests), the worker's queries then have exactly app_worker's grants:
 * its own tables (documents) and three columns of Better Auth's "session",
 * never a password hash, a session token or a signing key (the migrations
 * 20261201120000_worker_role and 20261201150000_documents). SET LOCAL ends with
 * the transaction, so a pooled connection never stays switched.
 */
import { TRPCError } from "@trpc/server";
import pg from "pg";

/** The role the migrations grant the worker's privileges to. */
export const WORKER_DB_ROLE = "app_worker";

/** A connection inside asWorker's transaction: what the worker's queries run on. */
export type WorkerTx = pg.PoolClient;

export interface WorkerDb {
  /** Runs `work` in one transaction as app_worker; commits if it resolves, rolls back if it throws. */
  asWorker<T>(work: (tx: WorkerTx) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /** The pool itself, for the job queue, which manages its own statements. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function createWorkerDb(databaseUrl: string, { max }: { max: number }): WorkerDb {
  // Errors on idle connections (the database restarting) must not crash the
  // worker: the next query reconnects.
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 2_000 });
  pool.on("error", () => undefined);

  return {
    pool,
    async asWorker(work, { readOnly = false } = {}) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (cause) {
        // Every connection busy past the wait, or the database down: the
        // caller's to retry, never a 500.
        throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The database is busy or not answering: try again in a moment.", cause });
      }
      try {
        await client.query(readOnly ? "BEGIN READ ONLY" : "BEGIN");
        await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
        const result = await work(client);
        await client.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        // The rollback may fail too (the connection is gone): the first
        // error is the one to report, and the connection is not reused.
        await client.query("ROLLBACK").catch(() => undefined);
        client.release(error as Error);
        throw error;
      }
    },
    close: () => pool.end(),
  };
}
