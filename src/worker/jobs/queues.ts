/**
 * The worker's job queues and the policy each was created with. Queues are
 * made by migrations (prisma/migrations/20261201140000_job_queue), never at
 * run time; these values mirror the migration's, and a test holds them equal.
 */
import { DOCUMENT_INGEST_QUEUE } from "~/contract/ingest-queue";

export interface QueuePolicy {
  /** Retries after the first attempt; the job fails for good after `retryLimit + 1` attempts. */
  retryLimit: number;
  /** Seconds before the first retry; doubled (with jitter) for each later one when `retryBackoff`. */
  retryDelay: number;
  retryBackoff: boolean;
  /** The longest wait between two attempts, in seconds. */
  retryDelayMax: number;
  /** A running job not refreshed for this long belongs to a dead worker and is retried (pg-boss's minimum is 10). */
  heartbeatSeconds: number;
  /** The longest one attempt may run, even on a live worker. */
  expireInSeconds: number;
}

export const QUEUE_POLICIES: Readonly<Record<typeof DOCUMENT_INGEST_QUEUE, QueuePolicy>> = {
  [DOCUMENT_INGEST_QUEUE]: {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 600,
    heartbeatSeconds: 10,
    expireInSeconds: 900,
  },
};
