/**
 * The worker's connection pool, and the one way its code queries through it:
 * `asWorker`, a transaction that first drops to the role app_worker.
 *
 * Whatever login the URL names (app_worker itself under docker compose, a
 * login that is only its member under `npm run dev`, the database owner's in
 * some tests), the worker's queries then have exactly app_worker's grants:
 * its own tables (documents), three columns of Better Auth's "session" and
 * five of "user" (the account export's profile), never a password hash, a
 * session token or a signing key (the migrations 20261201120000_worker_role,
 * 20261201150000_documents and 20261206210000_worker_reads_profile). SET LOCAL ends with
 * the transaction, so a pooled connection never stays switched.
 *
 * The queries are Kysely's, typed by the tables prisma-kysely generates from
 * prisma/schema.prisma at `prisma generate`: a column renamed there is a
 * compile error in the worker (docs/decisions/0018).
 */
import { TRPCError } from "@trpc/server";
import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";

import type { DB } from "./db/generated/types";

/** The role the migrations grant the worker's privileges to. */
export const WORKER_DB_ROLE = "app_worker";

/**
 * The tables as prisma-kysely generates them from prisma/schema.prisma, plus
 * the one column it cannot see: document_chunk.search is Unsupported("tsvector"),
 * which Prisma leaves out of the schema it hands generators. Only ever written
 * and read through SQL functions (to_tsvector, @@, ts_rank_cd), so its text
 * form is all the type needs to say. db.test.ts fails when the schema's
 * Unsupported columns are no longer exactly this one.
 */
export type WorkerDatabase = Omit<DB, "document_chunk"> & { document_chunk: DB["document_chunk"] & { search: string } };

/**
 * What the worker's queries run on: inside asWorker, its transaction. Typed
 * as the Kysely it extends so a benchmark can run the same query bare.
 */
export type WorkerTx = Kysely<WorkerDatabase>;

export interface WorkerDb {
  /** Runs `work` in one transaction as app_worker; commits if it resolves, rolls back if it throws. */
  asWorker<T>(work: (tx: Transaction<WorkerDatabase>) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  /** The pool itself, for the job queue, which manages its own statements. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function createWorkerDb(databaseUrl: string, { max }: { max: number }): WorkerDb {
  // Errors on idle connections (the database restarting) must not crash the
  // worker: the next query reconnects.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 30_000,
    // A new backend on a busy 2-core machine (ingestion, a test suite) took
    // over 2 s to start; 5 s still answers "the database is busy" well within
    // the web tier's 10 s call timeout.
    connectionTimeoutMillis: 5_000,
  });
  pool.on("error", () => undefined);
  const kysely = new Kysely<WorkerDatabase>({ dialect: new PostgresDialect({ pool }) });

  return {
    pool,
    async asWorker(work, { readOnly = false } = {}) {
      let begun = false;
      let failed: { error: unknown } | undefined;
      try {
        return await (readOnly ? kysely.transaction().setAccessMode("read only") : kysely.transaction()).execute(
          async (tx) => {
            begun = true;
            try {
              await sql`SET LOCAL ROLE ${sql.id(WORKER_DB_ROLE)}`.execute(tx);
              return await work(tx);
            } catch (error) {
              failed = { error };
              throw error;
            }
          },
        );
      } catch (error) {
        // The rollback may fail too (the connection is gone): the first
        // error is the one to report. Kysely then has the pool discard that
        // connection.
        if (failed) throw failed.error;
        // No connection within the wait (every one busy, or the database
        // down), or it broke before BEGIN answered: the caller's to retry,
        // never a 500.
        if (!begun) {
          throw new TRPCError({
            code: "SERVICE_UNAVAILABLE",
            message: "The database is busy or not answering: try again in a moment.",
            cause: error,
          });
        }
        throw error;
      }
    },
    close: () => kysely.destroy(),
  };
}
