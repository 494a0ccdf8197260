/** What the documents procedures and routes work with, made once by main.ts and shared by every request. */
import type { Logger } from "~/worker/logger";
import type { WorkerDb } from "../db";
import type { ConnectingQueue } from "../jobs/connecting-queue";
import type { DocumentLimits } from "~/contract/document-limits";
import type { OriginalStore } from "./original-store";
import type { UploadSlots } from "./upload";

export interface DocumentServices {
  db: WorkerDb;
  /** Connecting in the background: /readyz waits for it. */
  queue: ConnectingQueue;
  uploads: UploadSlots;
  store: OriginalStore;
  limits: DocumentLimits;
  /** The text-search configuration (WORKER_SEARCH_CONFIG). */
  searchConfig: string;
  logger: Logger;
}
