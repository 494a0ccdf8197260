/**
 * The ingestion job: its queue name, its data, how it is enqueued (inside
 * the caller's transaction) and how the worker takes it up.
 */
import type { WorkerTx } from "../db";
import type { JobQueue } from "../jobs/queue";

export const INGEST_JOB = "document.ingest";

export interface IngestJobData {
  documentId: string;
}

/** Enqueues the document's ingestion in `tx`: the job exists if and only if the transaction commits. */
export function enqueueIngestion(queue: JobQueue, tx: WorkerTx, documentId: string): Promise<void> {
  return queue.enqueue<IngestJobData>(tx, INGEST_JOB, { documentId });
}
