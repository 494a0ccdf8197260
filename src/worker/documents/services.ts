/** What the documents procedures and routes work with, made once by main.ts and shared by every request. */
import type { Logger } from "~/lib/logger";
import type { WorkerDb } from "../db";
import type { JobQueue } from "../jobs/queue";
import type { DocumentLimits } from "./limits";
import type { OriginalStore } from "./original-store";

export interface DocumentServices {
  db: WorkerDb;
  queue: JobQueue;
  store: OriginalStore;
  limits: DocumentLimits;
  /** The text-search configuration (WORKER_SEARCH_CONFIG). */
  searchConfig: string;
  logger: Logger;
}
