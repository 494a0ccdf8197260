/**
 * How OCR is allowed to run: the worker's OCR_* settings (src/worker/env.ts),
 * passed to each document's reader (extract-pool.ts).
 */
export interface OcrSettings {
  /** Tesseract language codes (OCR_LANGUAGES), each from its installed @tesseract.js-data/<code> package. */
  languages: readonly string[];
  /** The most pixels one image or rendered page may have; a larger one is refused from its header, before it is decoded. */
  maxPixels: number;
  /** The most pages of one document OCR reads; a document with more pages to OCR fails, saying so. */
  maxPages: number;
  /** The longest OCR may take on one page; that page is skipped, saying why. */
  pageTimeoutMs: number;
  /** The longest OCR may take on one document, all pages together. */
  documentTimeoutMs: number;
}

export const DEFAULT_OCR_SETTINGS: OcrSettings = {
  languages: ["eng"],
  maxPixels: 100_000_000,
  maxPages: 200,
  pageTimeoutMs: 60_000,
  documentTimeoutMs: 20 * 60_000,
};
