import { cleanText } from "./clean";
import { noTextLayer } from "./pdf-failures";
import { hasPdftotext, pdftotextPages } from "./pdftotext";
import { extractPdfWithPdfjs, pdfjsPages } from "./pdfjs";
import type { Extracted, ExtractedUnit, ExtractionProgress } from "./types";

/**
 * Which program reads a PDF: "auto" is poppler's pdftotext where it is
 * installed, else pdf.js. The other two are for measuring and testing each.
 */
export type PdfExtractor = "auto" | "pdftotext" | "pdf.js";

/**
 * A PDF's text layer, one unit per page that has text: by poppler's
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
): Promise<Extracted> {
  if (extractor !== "pdf.js" && (extractor === "pdftotext" || (await hasPdftotext()))) {
    const pages = await pdftotextPages(bytes);
    if (pages) return fromPdftotext(bytes, pages, onProgress);
    if (extractor === "pdftotext") throw new Error("pdftotext could not read the PDF");
  }
  return extractPdfWithPdfjs(bytes, onProgress);
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
): Promise<Extracted> {
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
  if (units.length === 0) throw noTextLayer();
  return { units, pages: pages.length };
}
