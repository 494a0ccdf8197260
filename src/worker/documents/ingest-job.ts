/**
 * How the ingestion job is enqueued: inside the caller's transaction, with
 * the document it is about. Its queue's name and data are in
 * ~/contract/ingest-queue.ts, its retry policy in ../jobs/queues.ts; main.ts
 * runs ingest.ts for each job.
 */
import { CompiledQuery } from "kysely";

import type { WorkerTx } from "../db";
import type { EnqueueOptions, JobQueue } from "../jobs/queue";
import { DOCUMENT_INGEST_QUEUE, type IngestJobData } from "~/contract/ingest-queue";

/**
 * Enqueues the document's ingestion in `tx`: the job exists if and only if
 * the transaction commits. False when a job with the same singletonKey is queued already.
 */
export async function enqueueIngestion(
  queue: JobQueue,
  tx: WorkerTx,
  documentId: string,
  options?: EnqueueOptions,
): Promise<boolean> {
  // pg-boss writes its own statement: sent as is, on the transaction's connection.
  const connection = { query: (text: string, values?: unknown[]) => tx.executeQuery(CompiledQuery.raw(text, values)) };
  return (
    (await queue.enqueue(connection, DOCUMENT_INGEST_QUEUE, { documentId } satisfies IngestJobData, options)) !== null
  );
}
