/**
 * A PDF's pages that have no text layer but show an image (a scan's),
 * rendered by pdftoppm and read by OCR. How many there are is checked
 * first: a scan of 1,000 blank pages fails at once, before one is rendered.
 */
import sharp from "sharp";

import type { ExtractionProgress } from "../types";
import { ocrPages, PageFailed, tooManyPages, type OcrPage, type OcrPages } from "./ocr-pages";
import { preparePage } from "./page-image";
import { pageSizes, pagesWithImages, renderDpi, renderPage, withPdfFile } from "./pdf-page-render";
import type { OcrSettings } from "./settings";

const NOT_RENDERED =
  "This page could not be rendered for OCR: it is damaged, or too complex to draw within the time limit.";

export interface PdfOcrRun {
  settings: OcrSettings;
  /** The PDF's page count. */
  pages: number;
  /** Progress so far: the pages whose text layer was read. */
  done: number;
  onProgress?: ExtractionProgress;
}

/**
 * OCR of those of these pages (numbers from 1, none with text) that show an
 * image; undefined when none does (they are blank). Needs pdftoppm (the
 * caller checks hasPdftoppm()).
 */
export async function ocrPdfPages(
  bytes: Uint8Array,
  withoutText: readonly number[],
  run: PdfOcrRun,
): Promise<OcrPages | undefined> {
  const { settings } = run;
  return withPdfFile(bytes, async (file) => {
    const first = Math.min(...withoutText);
    const last = Math.max(...withoutText);
    // Should pdfimages fail to list them, every page without text is tried.
    const showing = await pagesWithImages(file, first, last);
    const numbers = showing ? withoutText.filter((page) => showing.has(page)) : withoutText;
    if (numbers.length === 0) return undefined;
    if (numbers.length > settings.maxPages) throw tooManyPages(numbers.length, settings, "pages without text");
    const sizes = await pageSizes(file, first, last);
    const pages = numbers.map((page): OcrPage => ({
      page,
      async prepare(timeoutMs) {
        const size = sizes.get(page);
        const dpi = size && renderDpi(size, settings.maxPixels, showing?.get(page));
        const png = dpi && (await renderPage(file, page, dpi, { ...settings, timeoutMs }));
        if (!png) throw new PageFailed("damaged", NOT_RENDERED);
        return preparePage(sharp(png, { limitInputPixels: settings.maxPixels }), dpi).catch((cause: unknown) => {
          throw new PageFailed("damaged", NOT_RENDERED, { cause });
        });
      },
    }));
    return ocrPages(pages, run);
  });
}
