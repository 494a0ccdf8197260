import { cleanText } from "./clean";
import { noPageRead } from "./ocr/ocr-pages";
import { hasPdftoppm } from "./ocr/pdf-page-render";
import { ocrPdfPages } from "./ocr/pdf-pages";
import type { OcrSettings } from "./ocr/settings";
import { noTextLayer, nothingOnPages } from "./pdf-failures";
import { hasPdftotext, pdftotextPages } from "./pdftotext";
import { extractPdfWithPdfjs, pdfjsPages } from "./pdfjs";
import type { Extracted, ExtractedUnit, ExtractionProgress } from "./types";

/**
 * Which program reads a PDF: "auto" is poppler's pdftotext where it is
 * installed, else pdf.js. The other two are for measuring and testing each.
 */
export type PdfExtractor = "auto" | "pdftotext" | "pdf.js";

/**
 * A PDF's text layer, one unit per page that has text, and with `ocr`
 * settings its scanned pages read by OCR (ocr/pdf-pages.ts): by poppler's
 * pdftotext where it is installed (3-5 times faster on TeX and FOP output;
 * docs/decisions/0023), else, or when it cannot read the file, by pdf.js,
 * which also says why a file cannot be read (a password, damage). pdf.js is
 * loaded with this module all the same (on the first job, with the other
 * extractors): importing it when first needed would stall the event loop in
 * the middle of a later job instead.
 */
export async function extractPdf(
  bytes: Uint8Array,
  onProgress?: ExtractionProgress,
  extractor: PdfExtractor = "auto",
  ocr?: OcrSettings,
): Promise<Extracted> {
  const textLayer = await readTextLayer(bytes, onProgress, extractor);
  return ocr ? withScannedPages(bytes, textLayer, ocr, onProgress) : textOnly(textLayer);
}

async function readTextLayer(
  bytes: Uint8Array,
  onProgress: ExtractionProgress | undefined,
  extractor: PdfExtractor,
): Promise<TextLayer> {
  if (extractor !== "pdf.js" && (extractor === "pdftotext" || (await hasPdftotext()))) {
    const pages = await pdftotextPages(bytes);
    if (pages) return fromPdftotext(bytes, pages, onProgress);
    if (extractor === "pdftotext") throw new Error("pdftotext could not read the PDF");
  }
  return extractPdfWithPdfjs(bytes, onProgress);
}

/** The units of the pages that have text, and the page count. */
interface TextLayer {
  units: ExtractedUnit[];
  pages: number;
}

function textOnly({ units, pages }: TextLayer): Extracted {
  if (units.length === 0) throw noTextLayer();
  return { units, pages };
}

/**
 * The text layer, and OCR's reading of the pages without one that show an
 * image (a scan's pages); a page with text is never OCR'd.
 */
async function withScannedPages(
  bytes: Uint8Array,
  textLayer: TextLayer,
  settings: OcrSettings,
  onProgress: ExtractionProgress | undefined,
): Promise<Extracted> {
  const { units, pages } = textLayer;
  const withText = new Set(units.map((unit) => unit.page));
  const withoutText = Array.from({ length: pages }, (_, index) => index + 1).filter((page) => !withText.has(page));
  if (withoutText.length === 0) return { units, pages };
  if (!(await hasPdftoppm())) {
    if (units.length === 0) throw noTextLayer("no_renderer");
    return { units, pages };
  }
  const scanned = await ocrPdfPages(bytes, withoutText, { settings, pages, done: pages, onProgress });
  if (!scanned) {
    if (units.length === 0) throw nothingOnPages();
    return { units, pages };
  }
  if (units.length === 0 && scanned.outcome.pages === 0) throw noPageRead(scanned.failures);
  const all = [...units, ...scanned.units].sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
  return { units: all, pages, ocr: scanned.outcome };
}

// A line with a run of four or more single letters, each followed by one
// space: pdftotext's reading of a letter-spaced code listing (LaTeX
// `listings` in fixed columns: `r e t u r n`, `P r o c e s s e s N s t r i p e s`),
// where it cannot tell the gaps between letters from those between words.
// pdf.js gives the gaps' widths, and letter-spacing.ts joins the words by
// them, so such a page is read by pdf.js. Prose with one-letter words
// (`p q g y`) is read so too: slower, the same text as before.
const LETTER_SPACED = /(?<!\S)(?:[\p{L}_] ){3,}[\p{L}_](?!\S)/u;

/** pdftotext's pages as units, the letter-spaced ones read again by pdf.js; a blank page counts but makes none. */
async function fromPdftotext(
  bytes: Uint8Array,
  pages: readonly string[],
  onProgress?: ExtractionProgress,
): Promise<TextLayer> {
  const units: ExtractedUnit[] = [];
  const letterSpaced: ExtractedUnit[] = [];
  for (const [index, page] of pages.entries()) {
    const text = cleanText(page);
    if (text) (LETTER_SPACED.test(text) ? letterSpaced : units).push({ page: index + 1, text });
    await onProgress?.(index + 1, pages.length);
  }
  if (letterSpaced.length > 0) {
    // Should pdf.js fail where pdftotext did not, pdftotext's text is kept.
    const again = await pdfjsPages(
      bytes,
      letterSpaced.map((unit) => unit.page ?? 0),
    ).catch(() => letterSpaced);
    units.push(...again);
    units.sort((a, b) => (a.page ?? 0) - (b.page ?? 0));
  }
  return { units, pages: pages.length };
}
