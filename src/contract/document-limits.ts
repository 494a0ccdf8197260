/**
 * What one user may store and send, as the browser may know it: the page
 * refuses an oversized file in the worker's own words before sending it, and
 * sends no more uploads at once than the worker takes from one user. The
 * worker's own pool sizes are its business (src/worker/documents/upload-pool.ts).
 */

/** What one user may store (WORKER_MAX_UPLOAD_MB, WORKER_MAX_DOCUMENTS_PER_USER, WORKER_MAX_STORAGE_MB_PER_USER). */
export interface DocumentLimits {
  maxUploadBytes: number;
  maxDocumentsPerUser: number;
  maxStorageBytesPerUser: number;
}

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
 * Uploads of one user the worker takes at once; one more is answered 503
 * "busy" with Retry-After, and the browser sends it again after
 * BUSY_RETRY_AFTER_SECONDS (src/worker-client/upload-document.ts).
 */
export const MAX_UPLOADS_IN_FLIGHT_PER_USER = 2;
/** Seconds a refused upload waits before it is sent again. */
export const BUSY_RETRY_AFTER_SECONDS = 1;
