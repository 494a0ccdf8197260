/**
 * Saves one of the worker's attachments (a document's original, the account
 * export) as a file. A plain link cannot carry the Authorization header, so
 * the file is fetched, held as a blob and handed to the browser's download
 * through an object URL.
 */
import { getWorkerBlob, type WorkerHttpOptions } from "./worker-http";

// Long enough for the browser to have started writing the file; the blob is
// in memory until then.
const REVOKE_AFTER_MS = 60_000;

/**
 * GETs `path` on the worker and saves the answer as `fileName`. Rejects with a
 * WorkerHttpError that says why in words (no such document, the worker
 * unavailable, the download broken off…).
 */
export async function downloadAttachment(options: WorkerHttpOptions, path: string, fileName: string): Promise<void> {
  // The worker cuts a download off rather than end it short (a document was
  // deleted meanwhile, or the worker stopped).
  const blob = await getWorkerBlob(options, path, { brokeOff: "The download broke off before the end: try again." });
  saveBlob(blob, fileName);
}

function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), REVOKE_AFTER_MS);
}
