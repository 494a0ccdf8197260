/**
 * The worker's plain HTTP routes for file bytes, as both sides name them:
 * the worker serves them (src/worker/documents/upload.ts, download.ts, page-image.ts) and
 * the browser calls them (src/worker-client/upload-document.ts,
 * download-document.ts, page-image.ts).
 */
import type { DocumentSummary } from "./document-summary";

/** POST: the file as the body. */
export const UPLOAD_PATH = "/documents";
/** The file's name, percent-encoded (encodeURIComponent). */
export const FILE_NAME_HEADER = "x-file-name";

/** GET: the original file, as an attachment. */
export function downloadPath(documentId: string): string {
  return `/documents/${encodeURIComponent(documentId)}/original`;
}
export const DOWNLOAD_PATH = /^\/documents\/([^/]+)\/original$/u;

/** GET: a small image (WebP) of a page OCR read, to the document's owner only. */
export function pageImagePath(documentId: string, page: number): string {
  return `/documents/${encodeURIComponent(documentId)}/pages/${String(page)}/image`;
}
export const PAGE_IMAGE_PATH = /^\/documents\/([^/]+)\/pages\/([^/]+)\/image$/u;

/** The answer to a successful upload (201). */
export interface UploadAnswer {
  document: DocumentSummary;
}
