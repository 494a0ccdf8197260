/**
 * The worker's background job queue: a thin layer over pg-boss, whose tables
 * live in the same PostgreSQL database as the rows the jobs are about, so a
 * job can be sent in the transaction that writes them.
 */
import { PgBoss, type JobResult, type JobWithMetadata } from "pg-boss";

import type { Logger } from "~/worker/logger";
import { JOB_SCHEMA } from "~/contract/ingest-queue";

/**
 * Thrown by a handler for a failure no retry can fix (a corrupt file, a
 * document deleted meanwhile): the job fails at once, whatever attempts are
 * left. Any other error is retried under the queue's policy.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/** One attempt at a job, as its handler sees it. */
export interface RunningJob<T> {
  id: string;
  queue: string;
  data: T;
  /** 1 on the first attempt, 2 on the first retry, … */
  attempt: number;
  /** Attempts the queue's policy allows in all. */
  maxAttempts: number;
  /** No retry follows if this attempt fails: the handler may record that it gave up. */
  isLastAttempt: boolean;
  /**
   * Aborted when this attempt can no longer land: its claim went to another
   * worker, or stop() ran out of time. Long handlers should pass it on.
   */
  signal: AbortSignal;
}

export type JobHandler<T> = (job: RunningJob<T>) => Promise<void>;

export interface EnqueueOptions {
  /** Not before this time. */
  startAfter?: Date;
  /** At most one job with this key is queued at a time in the queue; a second send returns null. */
  singletonKey?: string;
}

/** A connection between the caller's BEGIN and COMMIT, as enqueue needs it: a pg client has this shape. */
export interface TransactionConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface WorkOptions {
  /** Jobs of this queue this process runs at once. Default 1. */
  concurrency?: number;
}

export interface JobQueueOptions {
  /** A login that is, or is a member of, the role app_worker (the migrations grant it pg-boss). */
  databaseUrl: string;
  logger: Logger;
  /** Connections of pg-boss's own pool. Default 4; each running job's heartbeat and settle borrow one briefly. */
  maxConnections?: number;
  /** How often an idle worker asks for a job, in seconds (≥ 0.5): the pickup latency when the queue was empty. Default 1. */
  pollingIntervalSeconds?: number;
  /**
   * How often this process looks for jobs of dead workers (and deletes old
   * finished jobs), in seconds. With the queues' 10 s heartbeat, a killed
   * worker's job is retried within about heartbeat + this + the retry delay.
   * Default 5; every process supervises, at most one pass runs per interval.
   */
  superviseIntervalSeconds?: number;
}

export interface JobQueue {
  /**
   * Adds a job inside the caller's transaction: `db` is a client between its
   * BEGIN and COMMIT, so the job exists exactly when what it is about does.
   * Resolves to the job's id, or null when `singletonKey` suppressed it.
   */
  enqueue(db: TransactionConnection, queue: string, data: object, options?: EnqueueOptions): Promise<string | null>;
  /** Runs `handler` for the queue's jobs until stop(). */
  work<T>(queue: string, handler: JobHandler<T>, options?: WorkOptions): Promise<void>;
  /**
   * Stops fetching, waits up to `timeoutMs` for running handlers, then closes
   * the pool. A handler still running then is abandoned; its job is retried
   * elsewhere once its heartbeat lapses.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Connects pg-boss to the schema the migrations made; rejects when it is
 * missing or from another pg-boss version, since the worker never changes
 * the schema itself.
 */
export async function createJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const { logger } = options;
  const supervise = options.superviseIntervalSeconds ?? 5;
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: JOB_SCHEMA,
    max: options.maxConnections ?? 4,
    application_name: "worker-jobs",
    // The schema is the migrations' business: no DDL from the worker's role.
    migrate: false,
    createSchema: false,
    // REINDEX is DDL, and the worker's role owns no index to rebuild.
    reindex: false,
    // No cron schedules yet; it would poll for them.
    schedule: false,
    supervise: true,
    superviseIntervalSeconds: supervise,
    monitorIntervalSeconds: supervise,
    // Deletes finished jobs past the queue's deleteAfterSeconds.
    maintenanceIntervalSeconds: 300,
    // How soon a worker learns of a backlog (see burstWhenReadyExceeds).
    queueCacheIntervalSeconds: supervise,
  });
  // Maintenance and heartbeat failures surface as events; an unhandled
  // 'error' event would end the process.
  boss.on("error", (error) => logger.error({ err: error }, "job queue error"));
  boss.on("warning", (warning) => logger.warn({ data: warning.data }, `job queue: ${warning.message}`));

  try {
    await boss.start();
  } catch (error) {
    await boss.stop({ graceful: false }).catch(() => undefined);
    const message = (error as Error).message;
    if (/not installed|requires migrations/.test(message)) {
      throw new Error(
        `The job queue's tables (schema "${JOB_SCHEMA}") are missing or from another pg-boss version: ${message}. ` +
          "Apply the database migrations (npm run db:deploy).",
        { cause: error },
      );
    }
    throw error;
  }

  return {
    async enqueue(db, queue, data, enqueueOptions = {}) {
      return boss.send(queue, data, {
        db: { executeSql: (text, values) => db.query(text, values) },
        ...(enqueueOptions.startAfter && { startAfter: enqueueOptions.startAfter }),
        ...(enqueueOptions.singletonKey !== undefined && { singletonKey: enqueueOptions.singletonKey }),
      });
    },

    async work<T>(queue: string, handler: JobHandler<T>, workOptions: WorkOptions = {}) {
      await boss.work<
        T,
        unknown,
        {
          localConcurrency: number;
          batchSize: 1;
          includeMetadata: true;
          perJobResults: true;
          pollingIntervalSeconds: number;
          burstWhenReadyExceeds: number;
        }
      >(
        queue,
        {
          localConcurrency: workOptions.concurrency ?? 1,
          batchSize: 1,
          includeMetadata: true,
          // Lets a handler fail a job for good (PermanentJobError) rather
          // than only by throwing, which always spends a retry.
          perJobResults: true,
          pollingIntervalSeconds,
          // A worker otherwise waits out the polling interval after every
          // job shorter than it: one short job per interval per handler.
          // With a backlog it fetches again at once, until a fetch comes
          // back empty.
          burstWhenReadyExceeds: 1,
        },
        async (jobs) => Promise.all(jobs.map((job) => runOne(job, handler, logger))),
      );
    },

    async stop({ timeoutMs = 30_000 } = {}) {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    },
  };
}

async function runOne<T>(job: JobWithMetadata<T>, handler: JobHandler<T>, logger: Logger): Promise<JobResult> {
  const attempt = job.retryCount + 1;
  const maxAttempts = job.retryLimit + 1;
  const context = { jobId: job.id, queue: job.name, attempt, maxAttempts };
  try {
    await handler({
      id: job.id,
      queue: job.name,
      data: job.data,
      attempt,
      maxAttempts,
      isLastAttempt: attempt >= maxAttempts,
      signal: job.signal,
    });
    return { id: job.id, status: "completed" };
  } catch (error) {
    const permanent = error instanceof PermanentJobError;
    const willRetry = !permanent && attempt < maxAttempts;
    logger[willRetry ? "warn" : "error"]({ ...context, err: error, permanent, willRetry }, "job failed");
    // "deadletter" fails the job terminally; with no dead letter queue set it
    // goes nowhere else.
    return { id: job.id, status: permanent ? "deadletter" : "failed", output: failureOutput(error, permanent) };
  }
}

function failureOutput(error: unknown, permanent: boolean) {
  return error instanceof Error
    ? { name: error.name, message: error.message, permanent }
    : { name: "Error", message: String(error), permanent };
}
