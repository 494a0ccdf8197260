import { ExtractionFailed } from "./errors";

/** What either PDF extractor says of a file it cannot read or that has no text. */
export const DAMAGED = "The PDF is damaged and cannot be read. Save or export it again and upload the new copy.";

export const noTextLayer = () =>
  new ExtractionFailed(
    "no_text_layer",
    "The PDF has no text layer (scanned?): OCR not supported. Upload a PDF with selectable text.",
  );
