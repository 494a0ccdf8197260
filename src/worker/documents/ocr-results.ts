/**
 * What OCR leaves on a document besides its chunks, the one way for a first
 * ingestion and a re-index: its page images (shown beside a search hit,
 * page-image.ts serves them), the OCR'd page count and mean confidence the
 * list shows, and a notice when the owner should know something a ready
 * document does not say by itself (no text found, pages skipped).
 */
import type { WorkerTx } from "../db";
import type { DocumentChunks } from "./extract-pool";
import type { OcrOutcome } from "./extract/types";

/** Page images per INSERT: a page image is a few tens of kilobytes. */
const IMAGE_BATCH = 20;

/** Replaces the document's page images with `ocr`'s (none when it was not OCR'd). */
export async function writePageImages(tx: WorkerTx, documentId: string, ocr: OcrOutcome | undefined): Promise<void> {
  await tx.deleteFrom("document_page_image").where("documentId", "=", documentId).execute();
  const images = ocr?.pageImages ?? [];
  for (let start = 0; start < images.length; start += IMAGE_BATCH) {
    await tx
      .insertInto("document_page_image")
      .values(
        images.slice(start, start + IMAGE_BATCH).map(({ page, mimeType, width, height, confidence, bytes }) => ({
          documentId,
          page,
          mimeType,
          width,
          height,
          confidence,
          bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        })),
      )
      .execute();
  }
}

/** The document's OCR columns once it is read: null when no page was OCR'd. */
export function ocrColumns({ chunks, ocr }: DocumentChunks): {
  ocrPages: number | null;
  ocrConfidence: number | null;
  notice: string | null;
} {
  if (!ocr) return { ocrPages: null, ocrConfidence: null, notice: null };
  return {
    ocrPages: ocr.pages,
    ocrConfidence: Math.min(100, Math.max(0, ocr.confidence)),
    notice: ocrNotice(ocr, chunks.length === 0) ?? null,
  };
}

/** Failed pages named one by one up to this many, then counted. */
const PAGES_NAMED = 3;

function ocrNotice(ocr: OcrOutcome, noText: boolean): string | undefined {
  const sentences: string[] = [];
  if (noText) {
    sentences.push(
      ocr.pages === 1
        ? "No text was found: OCR read the page and recognised no words, so a search will not find this document."
        : `No text was found: OCR read its ${ocr.pages} pages and recognised no words, so a search will not find this document.`,
    );
  }
  const failed = ocr.failedPages;
  for (const { page, reason } of failed.slice(0, PAGES_NAMED)) sentences.push(`Page ${page} was not read: ${reason}`);
  if (failed.length > PAGES_NAMED) {
    sentences.push(`${failed.length - PAGES_NAMED} more pages were not read for the same kinds of reasons.`);
  }
  return sentences.length > 0 ? sentences.join(" ") : undefined;
}
