/** What one user may store (WORKER_MAX_UPLOAD_MB, WORKER_MAX_DOCUMENTS_PER_USER, WORKER_MAX_STORAGE_MB_PER_USER). */
export interface DocumentLimits {
  maxUploadBytes: number;
  maxDocumentsPerUser: number;
  maxStorageBytesPerUser: number;
}

export const DEFAULT_LIMITS: DocumentLimits = {
  maxUploadBytes: 25_000_000,
  maxDocumentsPerUser: 1_000,
  maxStorageBytesPerUser: 1_000_000_000,
};

/** Bytes as people read them in a limit: decimal megabytes, at most one decimal. */
export function megabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/** Why a file over the upload limit is refused: the worker's words, which the page also shows before sending. */
export function tooLargeMessage(maxUploadBytes: number): string {
  return `The file is larger than ${megabytes(maxUploadBytes)}, the most one upload may be.`;
}

/**
 * Connections of the worker's documents pool. An upload holds one for as
 * long as its body takes to arrive (its transaction), so at most
 * MAX_UPLOADS_IN_FLIGHT run at once, MAX_UPLOADS_IN_FLIGHT_PER_USER of one
 * user, and the rest of the pool stays for the ingestion and the queries;
 * one more is answered 503 "busy" with Retry-After, and the browser sends it
 * again (src/lib/upload-document.ts).
 */
export const DOCUMENTS_POOL_SIZE = 8;
export const MAX_UPLOADS_IN_FLIGHT = 4;
export const MAX_UPLOADS_IN_FLIGHT_PER_USER = 2;
/** Seconds a refused upload waits before it is sent again. */
export const BUSY_RETRY_AFTER_SECONDS = 1;
