/**
 * Saves a document's original as the user uploaded it, from the worker's
 * `GET /documents/<id>/original` (src/worker/documents/download.ts).
 */
import { downloadPath } from "~/contract/document-routes";
import { downloadAttachment } from "./download-attachment";
import type { WorkerHttpOptions } from "./worker-http";

export interface DownloadDocumentOptions extends WorkerHttpOptions {
  documentId: string;
  /** The name to save it as: the document's, as the list shows it. */
  fileName: string;
}

/** Rejects with a WorkerHttpError that says why in words (no such document, the worker unavailable…). */
export function downloadDocument(options: DownloadDocumentOptions): Promise<void> {
  return downloadAttachment(options, downloadPath(options.documentId), options.fileName);
}
