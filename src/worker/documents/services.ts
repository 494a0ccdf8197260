/** What the documents procedures and routes (and the account export) work with, made once by main.ts and shared by every request. */
import type { Logger } from "~/worker/logger";
import type { WorkerDb } from "../db";
import type { ConnectingQueue } from "../jobs/connecting-queue";
import type { DocumentLimits } from "~/contract/document-limits";
import type { OriginalStore } from "./original-store";
import type { UserSlots } from "../user-slots";
import type { SearchConfigs } from "./search-config";

export interface DocumentServices {
  db: WorkerDb;
  /** Connecting in the background: /readyz waits for it. */
  queue: ConnectingQueue;
  /** Uploads streaming in (upload.ts). */
  uploads: UserSlots;
  /** Account exports streaming out (../account/export.ts). */
  exports: UserSlots;
  store: OriginalStore;
  limits: DocumentLimits;
  /** The text-search configurations documents are indexed with (WORKER_SEARCH_CONFIG, and OCR_LANGUAGES' for scans). */
  searchConfigs: SearchConfigs;
  logger: Logger;
}
