/**
 * The small image of a page OCR read, from the worker's
 * `GET /documents/<id>/pages/<n>/image` (src/worker/documents/page-image.ts),
 * which answers its owner only. An <img> cannot carry the Authorization
 * header, so the image is fetched as a Blob for an object URL; whoever makes
 * the URL revokes it.
 */
import { pageImagePath } from "~/contract/document-routes";
import { getWorkerBlob, type WorkerHttpOptions } from "./worker-http";

export interface PageImageOptions extends WorkerHttpOptions {
  documentId: string;
  /** 1-based, as a search hit names it. */
  page: number;
  /** Aborting it (the hit left the screen) stops the request. */
  signal?: AbortSignal;
}

/**
 * The page's image (WebP). Rejects with a WorkerHttpError that says why in
 * words: no such page image (404: another user's, a page not OCR'd, a
 * document deleted), the worker unavailable, the answer broken off.
 */
export function fetchPageImage({ documentId, page, signal, ...http }: PageImageOptions): Promise<Blob> {
  return getWorkerBlob(http, pageImagePath(documentId, page), {
    signal,
    brokeOff: `The image of page ${String(page)} broke off before the end.`,
  });
}
