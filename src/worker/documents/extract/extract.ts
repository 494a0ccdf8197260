import { cleanText, cleanTitle } from "./clean";
import { extractDocx } from "./docx";
import { ExtractionFailed } from "./errors";
import { extractHtml } from "./html";
import { extractMarkdown } from "./markdown";
import { extractImage } from "./ocr/image-pages";
import { DEFAULT_OCR_SETTINGS, type OcrSettings } from "./ocr/settings";
import { extractPdf, type PdfExtractor } from "./pdf";
import { readerText } from "./reader-text";
import { decodeDocument, extractPlainText } from "./text";
import type { DocumentKind, Extracted, ExtractedUnit, ExtractionProgress } from "./types";

/**
 * A document's text, in units that keep where each piece came from (page or
 * section); an image's, and a PDF's pages without a text layer, read by OCR
 * within `ocr`'s limits. Throws ExtractionFailed when the document cannot be
 * read: a permanent failure with a reason for the uploader.
 */
export async function extractText(
  bytes: Uint8Array,
  kind: DocumentKind,
  onProgress?: ExtractionProgress,
  pdfExtractor: PdfExtractor = "auto",
  ocr: OcrSettings = DEFAULT_OCR_SETTINGS,
): Promise<Extracted> {
  const extracted = await extractByKind(bytes, kind, onProgress, pdfExtractor, ocr);
  // Every format's text passes here, so none can bring NULs or the search's highlight markers.
  const units: ExtractedUnit[] = [];
  for (const unit of extracted.units) {
    const text = cleanText(unit.text);
    if (!text) continue;
    const section = unit.section === undefined ? undefined : cleanTitle(unit.section) || undefined;
    units.push({
      ...(unit.page === undefined ? {} : { page: unit.page }),
      ...(section === undefined ? {} : { section }),
      text,
    });
  }
  if (units.length === 0) {
    // A scan OCR found no words on is read all the same: the ingestion says so in words, with no chunks.
    if (extracted.ocr) return { ...extracted, units: [] };
    throw new ExtractionFailed("no_text", "The document contains no text.");
  }
  // The chunks store this text, so it is what the search matches and what a snippet shows.
  return { ...extracted, units: readerText(units) };
}

function extractByKind(
  bytes: Uint8Array,
  kind: DocumentKind,
  onProgress: ExtractionProgress | undefined,
  pdfExtractor: PdfExtractor,
  ocr: OcrSettings,
): Promise<Extracted> | Extracted {
  switch (kind) {
    case "pdf":
      return extractPdf(bytes, onProgress, pdfExtractor, ocr);
    case "docx":
      return extractDocx(bytes);
    case "html":
      return extractHtml(decodeDocument(bytes));
    case "markdown":
      return extractMarkdown(decodeDocument(bytes));
    case "text":
      return extractPlainText(bytes);
    case "image":
      return extractImage(bytes, ocr, onProgress);
  }
}
