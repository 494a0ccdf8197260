/**
 * Scans made at test time from real PDF pages (Debian's documentation PDFs,
 * tests/support/debian-pdfs.ts): each page rendered by pdftoppm as a
 * scanner would see it, then noise and a slight rotation added, saved as
 * the formats people upload (PNG, a phone photo's JPEG, a multi-page TIFF,
 * WebP, an image-only PDF), with the words of the page's own text layer to
 * measure OCR against. Also the hostile and empty inputs OCR must refuse or
 * pass through. The unit tests, the integration tests and the bench share
 * these makers.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { crc32, deflateSync } from "node:zlib";

import { PDFDocument } from "pdf-lib";
import sharp from "sharp";

import { withPdfFile } from "~/worker/documents/extract/ocr/pdf-page-render";
import { seededRandom } from "../../../tooling/seeded-random";
import { debianPdfPages, type DebianPdf } from "../debian-pdfs";

const run = promisify(execFile);

export interface ScanOptions {
  /** Scanning resolution (default 200). */
  dpi?: number;
  /** Clockwise skew in degrees, as a page laid slightly askew (default 1.2). */
  angle?: number;
  /** Standard deviation of the grain added to each pixel, 0–255 (default 18). */
  noise?: number;
  /** Seed of the grain: the same seed, the same scan (default: the page's number). */
  seed?: number;
}

export interface ScannedPage {
  /** The page as scanned: grayscale PNG, skewed and grainy. */
  png: Buffer;
  width: number;
  height: number;
  /** The resolution it was scanned at. */
  dpi: number;
  /** The words of the page's text layer (pdftotext), which OCR should find. */
  words: string[];
}

/** One page of a Debian PDF, scanned. */
export async function scanDebianPage(name: DebianPdf, page: number, options: ScanOptions = {}): Promise<ScannedPage> {
  const { dpi = 200, angle = 1.2, noise = 18, seed = page } = options;
  const pdf = await debianPdfPages(name, page);
  return withPdfFile(pdf, async (file) => {
    const [rendered, text] = await Promise.all([
      run("pdftoppm", ["-r", String(dpi), "-gray", "-png", "-singlefile", file], {
        encoding: "buffer",
        maxBuffer: 200_000_000,
      }),
      run("pdftotext", ["-enc", "UTF-8", file, "-"], { maxBuffer: 10_000_000 }),
    ]);
    const { data, info } = await sharp(rendered.stdout)
      .toColourspace("b-w")
      .raw()
      .toBuffer({ resolveWithObject: true });
    addGrain(data, noise, seed);
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } })
      .rotate(angle, { background: "#ffffff" })
      .toColourspace("b-w")
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: png.data, width: png.info.width, height: png.info.height, dpi, words: wordsOf(text.stdout) };
  });
}

/** A scan as a PNG file. */
export function asPng(scan: ScannedPage): Uint8Array {
  return new Uint8Array(scan.png);
}

/** A scan as WebP (lossy, as a browser or phone might save it). */
export async function asWebp(scan: ScannedPage): Promise<Uint8Array> {
  return new Uint8Array(await sharp(scan.png).webp({ quality: 85 }).toBuffer());
}

/**
 * A scan as a phone photo's JPEG: the pixels stored sideways, as a phone
 * held upright stores them, with the EXIF orientation (6: turn 90°
 * clockwise to show) that puts them upright.
 */
export async function asPhonePhoto(scan: ScannedPage): Promise<Uint8Array> {
  const sideways = await sharp(scan.png).rotate(270).toBuffer();
  return new Uint8Array(
    await sharp(sideways)
      .jpeg({ quality: 80 })
      .withExif({ IFD0: { Make: "Test", Model: "Phone" } })
      .withMetadata({ orientation: 6 })
      .toBuffer(),
  );
}

/** Scans as one multi-page TIFF (as a sheet-fed scanner saves them); the pages are padded to one size. */
export async function asMultiPageTiff(scans: readonly ScannedPage[]): Promise<Uint8Array> {
  const width = Math.max(...scans.map((scan) => scan.width));
  const height = Math.max(...scans.map((scan) => scan.height));
  const pages = await Promise.all(
    scans.map((scan) =>
      sharp(scan.png)
        .extend({ right: width - scan.width, bottom: height - scan.height, background: "#ffffff" })
        .toColourspace("b-w")
        .png()
        .toBuffer(),
    ),
  );
  return new Uint8Array(
    await sharp(pages, { join: { animated: true } })
      .removeAlpha()
      .toColourspace("b-w")
      .tiff({ compression: "lzw" })
      .toBuffer(),
  );
}

/** What a scan's page of a PDF is: an image, or the text layer of a page of a real PDF. */
export type PdfPageSource = { scan: ScannedPage } | { textPage: { name: DebianPdf; page: number } };

/**
 * A PDF of these pages: each scan as an image-only page of its paper size
 * (JPEG inside, as scanners write), each text page as the original page.
 */
export async function asPdf(pages: readonly PdfPageSource[]): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  for (const source of pages) {
    if ("scan" in source) {
      const { scan } = source;
      const image = await document.embedJpg(await sharp(scan.png).jpeg({ quality: 85 }).toBuffer());
      const width = (scan.width / scan.dpi) * 72;
      const height = (scan.height / scan.dpi) * 72;
      document.addPage([width, height]).drawImage(image, { x: 0, y: 0, width, height });
    } else {
      const original = await PDFDocument.load(await debianPdfPages(source.textPage.name, source.textPage.page));
      const [copied] = await document.copyPages(original, [0]);
      if (copied) document.addPage(copied);
    }
  }
  return document.save();
}

/**
 * A PDF of `count` scanned pages with nothing on them: one small white
 * image, shared by every page, so the file stays small however many pages.
 */
export async function blankScannedPdf(count: number): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const white = await sharp({ create: { width: 850, height: 1100, channels: 3, background: "#ffffff" } })
    .png()
    .toBuffer();
  const image = await document.embedPng(white);
  for (let page = 0; page < count; page++) {
    document.addPage([612, 792]).drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
  }
  return document.save();
}

/** A PNG whose header says `width` × `height` pixels and that holds almost none: refused from its header. */
export function pngClaiming(width: number, height: number): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, deflate, no interlace
  return new Uint8Array(
    Buffer.concat([PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.alloc(1024))), IEND]),
  );
}

/**
 * A decompression bomb: a real, valid `side` × `side` all-white PNG (one
 * bit a pixel). At 30,000 × 30,000 it is a few hundred KB that decode to
 * 900 million pixels.
 */
export function pngBomb(side = 30_000): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1-bit grayscale
  // Each row: filter byte 0, then the row's bits, all ones (white).
  const row = Buffer.alloc(1 + Math.ceil(side / 8), 0xff);
  row[0] = 0;
  const rows = Buffer.alloc(row.length * side);
  for (let offset = 0; offset < rows.length; offset += row.length) row.copy(rows, offset);
  return new Uint8Array(
    Buffer.concat([PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(rows, { level: 9 })), IEND]),
  );
}

/** A TIFF whose header is sound and whose image data is cut short: damaged. */
export async function corruptTiff(): Promise<Uint8Array> {
  const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: "#808080" } })
    .composite([{ input: await noiseImage(400, 300), blend: "multiply" }])
    .tiff({ compression: "none" })
    .toBuffer();
  // Uncompressed, the pixels sit between the header and the directory that
  // ends the file: overwrite most of them and the directory with junk.
  const corrupt = Buffer.from(whole.subarray(0, Math.floor(whole.length / 3)));
  return new Uint8Array(Buffer.concat([corrupt, Buffer.alloc(200, 0xab)]));
}

/** A JPEG that is only its header (markers up to the start of the scan, no image data). */
export async function headerOnlyJpeg(): Promise<Uint8Array> {
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#c0c0c0" } })
    .jpeg()
    .toBuffer();
  const startOfScan = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  return new Uint8Array(jpeg.subarray(0, startOfScan));
}

/** A photo-like image with no text: a soft gradient with grain. */
export async function imageWithoutText(width = 1200, height = 900): Promise<Uint8Array> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = Math.round(60 + (140 * (x + y)) / (width + height));
  }
  addGrain(pixels, 12, 7);
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 1 } })
      .blur(1.5)
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
}

/** The words of a text, as OCR is measured by: lower case, letters and digits only, two characters or more. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).filter((word) => /\p{L}/u.test(word));
}

/** The share of `expected` words (each occurrence counted) that `text` holds. */
export function wordRecall(expected: readonly string[], text: string): number {
  if (expected.length === 0) return 1;
  const found = new Map<string, number>();
  for (const word of wordsOf(text)) found.set(word, (found.get(word) ?? 0) + 1);
  let hits = 0;
  for (const word of expected) {
    const left = found.get(word) ?? 0;
    if (left > 0) {
      hits++;
      found.set(word, left - 1);
    }
  }
  return hits / expected.length;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const IEND = chunk("IEND", Buffer.alloc(0));

/** Gaussian grain (Box–Muller over a seeded generator: the same seed, the same grain) added to 8-bit gray pixels in place. */
function addGrain(pixels: Buffer, deviation: number, seed: number): void {
  const random = seededRandom(seed);
  for (let index = 0; index < pixels.length; index++) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    pixels[index] = Math.max(0, Math.min(255, Math.round((pixels[index] ?? 0) + gaussian * deviation)));
  }
}

function noiseImage(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height, 200);
  addGrain(pixels, 40, 3);
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}
