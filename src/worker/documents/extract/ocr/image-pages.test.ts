import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";

import { extractText } from "../extract";
import type { ReadingPage } from "../types";
import { end } from "./recognizer";
import { DEFAULT_OCR_SETTINGS } from "./settings";
import { itWithDebianPdfs } from "../../../../../tests/support/debian-pdfs";
import { failure } from "../../../../../tests/support/worker/extract-fixtures";
import {
  asMultiPageTiff,
  asPhonePhoto,
  asPng,
  corruptTiff,
  headerOnlyJpeg,
  imageWithoutText,
  pngBomb,
  pngClaiming,
  scanDebianPage,
  wordRecall,
  type ScannedPage,
} from "../../../../../tests/support/worker/scans";

// OCR takes seconds a page on a busy 2-core machine.
const SLOW = 120_000;

afterAll(end);

/** The page, scanned once for the whole file: a page of prose with some code, 500 words. */
let page: Promise<ScannedPage> | undefined;
const gnuplotPage = () => (page ??= scanDebianPage("gnuplot", 40));

const textOf = (units: { text: string }[]) => units.map((unit) => unit.text).join("\n");

describe("an image read by OCR", () => {
  itWithDebianPdfs(
    "reads nearly every word of a scanned page, with the page's image and its progress",
    ["gnuplot"],
    async () => {
      const scan = await gnuplotPage();
      const progress: [number, number, ReadingPage | undefined][] = [];
      const read = await extractText(asPng(scan), "image", (done, total, reading) => {
        progress.push([done, total, reading]);
      });
      expect(wordRecall(scan.words, textOf(read.units))).toBeGreaterThanOrEqual(0.9);
      expect(read.pages).toBe(1);
      expect(read.units.map((unit) => unit.page)).toEqual([1]);
      expect(progress).toEqual([
        [0, 1, { page: 1, pages: 1, ocr: true }],
        [1, 1, undefined],
      ]);
      const { ocr } = read;
      expect(ocr).toMatchObject({ pages: 1, failedPages: [] });
      expect(ocr?.confidence).toBeGreaterThan(80);
      const [image] = ocr?.pageImages ?? [];
      expect(image).toMatchObject({ page: 1, mimeType: "image/webp", width: 600 });
      expect(image?.confidence).toBe(ocr?.confidence);
      expect(image?.bytes.length).toBeLessThan(100_000);
      const shown = await sharp(image?.bytes).metadata();
      expect([shown.format, shown.width, shown.height]).toEqual(["webp", 600, image?.height]);
    },
    SLOW,
  );

  itWithDebianPdfs(
    "turns a phone photo upright by its EXIF orientation",
    ["gnuplot"],
    async () => {
      const scan = await gnuplotPage();
      const photo = await asPhonePhoto(scan);
      // Stored sideways: read as stored, the lines would run down the page.
      const stored = await sharp(photo).metadata();
      expect([stored.orientation, stored.width, stored.height]).toEqual([6, scan.height, scan.width]);
      const read = await extractText(photo, "image");
      expect(wordRecall(scan.words, textOf(read.units))).toBeGreaterThanOrEqual(0.9);
      expect(read.ocr?.pageImages[0]?.height).toBeGreaterThan(600);
    },
    SLOW,
  );

  itWithDebianPdfs(
    "reads each page of a multi-page TIFF",
    ["gnuplot", "nettle"],
    async () => {
      const [first, second] = await Promise.all([gnuplotPage(), scanDebianPage("nettle", 20, { angle: -0.8 })]);
      const read = await extractText(await asMultiPageTiff([first, second]), "image");
      expect(read.pages).toBe(2);
      expect(read.units.map((unit) => unit.page)).toEqual([1, 2]);
      expect(wordRecall(first.words, read.units[0]?.text ?? "")).toBeGreaterThanOrEqual(0.9);
      expect(wordRecall(second.words, read.units[1]?.text ?? "")).toBeGreaterThanOrEqual(0.9);
      expect(read.ocr?.pageImages.map((image) => image.page)).toEqual([1, 2]);
    },
    SLOW,
  );

  it(
    "reads an image with no text as one with no words, not as a failure",
    async () => {
      const read = await extractText(await imageWithoutText(), "image");
      expect(read.units).toEqual([]);
      expect(read.ocr).toMatchObject({ pages: 1, confidence: 0, failedPages: [] });
      expect(read.ocr?.pageImages).toHaveLength(1);
    },
    SLOW,
  );

  it("refuses an image larger than the pixel limit from its header, before decoding it", async () => {
    const claimed = pngClaiming(50_000, 50_000);
    expect(claimed.length).toBeLessThan(200);
    const error = await failure(extractText(claimed, "image"));
    expect(error.code).toBe("too_large");
    expect(error.reason).toBe(
      "The image is 50,000 × 50,000 pixels; OCR reads at most 100,000,000 pixels (10,000 × 10,000). Scan it at 300 dpi or less and upload it again.",
    );
  });

  it("refuses a decompression bomb (a real PNG of 900 million white pixels) without inflating it", async () => {
    const bomb = pngBomb(30_000);
    expect(bomb.length).toBeLessThan(1_000_000);
    // Decoded, it would take 900 MB at the least.
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const error = await failure(extractText(bomb, "image"));
    expect(error.code).toBe("too_large");
    expect(error.reason).toMatch(/^The image is 30,000 × 30,000 pixels; OCR reads at most/);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(100_000_000);
  });

  it("applies the configured pixel limit", async () => {
    const small = await imageWithoutText(400, 300);
    const error = await failure(
      extractText(small, "image", undefined, "auto", { ...DEFAULT_OCR_SETTINGS, maxPixels: 100_000 }),
    );
    expect(error.reason).toMatch(/^The image is 400 × 300 pixels; OCR reads at most 100,000 pixels \(316 × 316\)/);
  });

  it("calls a corrupt TIFF, a JPEG that is only its header and a truncated PNG damaged", async () => {
    const truncated = (await imageWithoutText()).subarray(0, 5_000);
    for (const bytes of [await corruptTiff(), await headerOnlyJpeg(), truncated]) {
      const error = await failure(extractText(bytes, "image"));
      expect(error.code).toBe("damaged");
      expect(error.reason).toBe(
        "The image is damaged and cannot be read. Save or export it again and upload the new copy.",
      );
    }
  });

  it("refuses a TIFF of more pages than OCR reads of one document before reading any", async () => {
    const white = await sharp({ create: { width: 200, height: 200, channels: 3, background: "#ffffff" } })
      .png()
      .toBuffer();
    const tiff = await sharp([white, white, white], { join: { animated: true } })
      .tiff()
      .toBuffer();
    const error = await failure(
      extractText(tiff, "image", undefined, "auto", { ...DEFAULT_OCR_SETTINGS, maxPages: 2 }),
    );
    expect(error.code).toBe("too_large");
    expect(error.reason).toBe(
      "It has 3 pages; OCR reads at most 2 pages of one document. Split it into smaller files and upload those.",
    );
  });
});
