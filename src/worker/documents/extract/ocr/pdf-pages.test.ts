import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, describe, expect, it } from "vitest";

import { extractText } from "../extract";
import { extractPdf } from "../pdf";
import type { ReadingPage } from "../types";
import { end } from "./recognizer";
import { DEFAULT_OCR_SETTINGS } from "./settings";
import { debianPdfPages, itWithDebianPdfs } from "../../../../../tests/support/debian-pdfs";
import { failure, fixture, PDF_EXTRACTORS } from "../../../../../tests/support/worker/extract-fixtures";
import { asPdf, blankScannedPdf, scanDebianPage, wordRecall } from "../../../../../tests/support/worker/scans";

const SLOW = 120_000;

afterAll(end);

/** Page 1 a real PDF page with its text layer, page 2 a scan of another page. */
let mixed: Promise<{ pdf: Uint8Array; words: string[] }> | undefined;
const mixedPdf = () =>
  (mixed ??= (async () => {
    const scan = await scanDebianPage("nettle", 20, { dpi: 200 });
    return { pdf: await asPdf([{ textPage: { name: "gnuplot", page: 60 } }, { scan }]), words: scan.words };
  })());

describe("a PDF's pages without a text layer, read by OCR", () => {
  it.each(PDF_EXTRACTORS)(
    "reads an image-only PDF's text (text layer by %s)",
    async (by) => {
      const read = await extractPdf(fixture("image-only.pdf"), undefined, by, DEFAULT_OCR_SETTINGS);
      expect(read.units).toEqual([{ page: 1, text: "Scanned text, no text layer" }]);
      expect(read.ocr).toMatchObject({ pages: 1, failedPages: [] });
    },
    SLOW,
  );

  itWithDebianPdfs(
    "OCRs only the scanned page of a mixed PDF, after the text layer's pages",
    ["gnuplot", "nettle"],
    async () => {
      const { pdf, words } = await mixedPdf();
      const progress: [number, number, ReadingPage | undefined][] = [];
      const read = await extractText(pdf, "pdf", (done, total, reading) => {
        progress.push([done, total, reading]);
      });
      expect(read.pages).toBe(2);
      expect(read.units.map((unit) => unit.page)).toEqual([1, 2]);
      const [textPage, scannedPage] = read.units;
      // Page 1 is the text layer's, word for word; only page 2 was OCR'd.
      const original = (await extractText(await debianPdfPages("gnuplot", 60), "pdf")).units[0]?.text;
      expect(textPage?.text).toBe(original);
      expect(wordRecall(words, scannedPage?.text ?? "")).toBeGreaterThanOrEqual(0.9);
      expect(read.ocr?.pages).toBe(1);
      expect(read.ocr?.pageImages.map((image) => image.page)).toEqual([2]);
      expect(progress).toEqual([
        [1, 2, undefined],
        [2, 2, undefined],
        [2, 3, { page: 2, pages: 2, ocr: true }],
        [3, 3, undefined],
      ]);
    },
    SLOW,
  );

  itWithDebianPdfs(
    "skips a page that takes longer than the page limit, saying why, and keeps the document",
    ["gnuplot", "nettle"],
    async () => {
      const { pdf } = await mixedPdf();
      const settings = { ...DEFAULT_OCR_SETTINGS, pageTimeoutMs: 50 };
      const read = await extractText(pdf, "pdf", undefined, "auto", settings);
      expect(read.units.map((unit) => unit.page)).toEqual([1]);
      expect(read.ocr).toEqual({
        pages: 0,
        confidence: 0,
        pageImages: [],
        failedPages: [{ page: 2, reason: "OCR took longer than 1 second on this page, so it was skipped." }],
      });
      // The recogniser ended for it is started again for the next page.
      const again = await extractPdf(fixture("image-only.pdf"), undefined, "auto", DEFAULT_OCR_SETTINGS);
      expect(again.units[0]?.text).toBe("Scanned text, no text layer");
    },
    SLOW,
  );

  it(
    "fails a document whose OCR passes the document's time limit",
    async () => {
      const settings = { ...DEFAULT_OCR_SETTINGS, documentTimeoutMs: 50 };
      const error = await failure(extractPdf(fixture("image-only.pdf"), undefined, "auto", settings));
      expect(error.code).toBe("exceeds_time");
      expect(error.reason).toMatch(/^OCR of the document took longer than 1 second \(0 of 1 pages read\)/);
    },
    SLOW,
  );

  it(
    "refuses a scan of 1,000 blank pages at once, before rendering any",
    async () => {
      const pdf = await blankScannedPdf(1_000);
      expect(pdf.length).toBeLessThan(1_000_000);
      const started = performance.now();
      const error = await failure(extractText(pdf, "pdf"));
      expect(error.code).toBe("too_large");
      expect(error.reason).toBe(
        "It has 1,000 pages without text; OCR reads at most 200 pages of one document. Split it into smaller files and upload those.",
      );
      expect(performance.now() - started).toBeLessThan(10_000);
    },
    SLOW,
  );

  it(
    "reads blank scanned pages as pages with no words, without giving them to the recogniser",
    async () => {
      // A page limit no recognition could meet: a blank page never reaches it.
      const settings = { ...DEFAULT_OCR_SETTINGS, pageTimeoutMs: 1 };
      const read = await extractText(await blankScannedPdf(2), "pdf", undefined, "auto", settings);
      expect(read.units).toEqual([]);
      expect(read.ocr).toMatchObject({ pages: 2, confidence: 0, failedPages: [] });
      expect(read.ocr?.pageImages.map((image) => [image.page, image.confidence])).toEqual([
        [1, 0],
        [2, 0],
      ]);
    },
    SLOW,
  );

  it(
    "says a scan cannot be read where poppler-utils is not installed",
    async () => {
      // A reader whose PATH finds no program: no pdftotext, no pdftoppm.
      const script = [
        `import { readFileSync } from "node:fs";`,
        `import { extractText } from ${JSON.stringify(fileURLToPath(new URL("../extract.ts", import.meta.url)))};`,
        `const bytes = new Uint8Array(readFileSync(${JSON.stringify(fileURLToPath(new URL("../fixtures/image-only.pdf", import.meta.url)))}));`,
        `await extractText(bytes, "pdf").then(() => console.log("read"), (error) => console.log(error.code, error.reason));`,
      ].join("\n");
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        {
          env: { PATH: "/nonexistent", NODE_ENV: "test" },
        },
      );
      expect(stdout.trim()).toBe(
        "no_text_layer The PDF has no text layer (scanned?), and this server cannot OCR scanned PDFs: poppler-utils (pdftoppm) is not installed on it. Upload a PDF with selectable text, or ask the administrator to install poppler-utils.",
      );
    },
    SLOW,
  );
});
