import { ExtractionFailed } from "./errors";

/** What either PDF extractor says of a file it cannot read or that has no text. */
export const DAMAGED = "The PDF is damaged and cannot be read. Save or export it again and upload the new copy.";

/** A scan that is not read: by a caller that does not OCR, or on a machine that cannot render PDF pages. */
export const noTextLayer = (why: "not_read" | "no_renderer" = "not_read") =>
  new ExtractionFailed(
    "no_text_layer",
    why === "no_renderer"
      ? "The PDF has no text layer (scanned?), and this server cannot OCR scanned PDFs: poppler-utils (pdftoppm) is not installed on it. Upload a PDF with selectable text, or ask the administrator to install poppler-utils."
      : "The PDF has no text layer (scanned?): OCR not supported. Upload a PDF with selectable text.",
  );

/** Neither text nor a scanned page on any page. */
export const nothingOnPages = () =>
  new ExtractionFailed("no_text", "The PDF contains no text and no scanned pages: its pages are blank.");
