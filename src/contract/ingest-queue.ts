/**
 * The document ingestion queue, as both processes name it: the worker sends
 * and runs its jobs (pg-boss, its tables in the schema JOB_SCHEMA); the web
 * tier removes a deleted account's jobs (src/server/account/delete-user-data.ts),
 * which no foreign key ties to the documents they are about.
 */

/** The schema the job_queue migration installs pg-boss in. */
export const JOB_SCHEMA = "pgboss";

/** A document's bytes, turned into searchable chunks. */
export const DOCUMENT_INGEST_QUEUE = "document.ingest";

/** A job's data in DOCUMENT_INGEST_QUEUE. */
export interface IngestJobData {
  documentId: string;
}
