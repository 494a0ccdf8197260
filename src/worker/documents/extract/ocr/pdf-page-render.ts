/**
 * PDF pages as pictures, by poppler's pdftoppm (Debian: poppler-utils, as
 * pdftotext): a process of its own per page, so a page that crashes or
 * hangs it costs that page. Each page is rendered at the resolution of the
 * scan on it, within 150–300 dpi and the pixel limit.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { hasPoppler, runPoppler } from "../poppler-run";
import { MAX_OCR_SIDE } from "./page-image";

const MAX_DPI = 300;
const MIN_DPI = 150;
const POINTS_PER_INCH = 72;

/** Whether pdftoppm runs here. */
export function hasPdftoppm(): Promise<boolean> {
  return hasPoppler("pdftoppm");
}

/** The PDF as a file for the poppler programs (they seek in it), removed when `read` ends. */
export async function withPdfFile<T>(bytes: Uint8Array, read: (file: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), "ocr-pdf-"));
  try {
    const file = path.join(directory, "document.pdf");
    await writeFile(file, bytes);
    return await read(file);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export interface PageSize {
  /** In points (1/72 inch). */
  width: number;
  height: number;
}

/** Each page's size in points by pdfinfo, for the pages `first` to `last` (pages it could not read are missing). */
export async function pageSizes(file: string, first: number, last: number): Promise<Map<number, PageSize>> {
  const output = await runPoppler("pdfinfo", ["-f", String(first), "-l", String(last), file], {
    timeoutMs: 60_000,
    maxOutputBytes: 10_000_000,
  });
  const sizes = new Map<number, PageSize>();
  for (const match of (output?.toString("utf8") ?? "").matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
    sizes.set(Number(match[1]), { width: Number(match[2]), height: Number(match[3]) });
  }
  return sizes;
}

/**
 * The pages among `first` to `last` that show an image (pdfimages lists
 * them without decoding any), each with its images' highest resolution as
 * placed on the page (a scan's: the resolution it was scanned at); undefined
 * when it could not list them. A page with neither text nor an image is
 * blank (or drawn with lines only): no scan to read.
 */
export async function pagesWithImages(
  file: string,
  first: number,
  last: number,
): Promise<Map<number, number> | undefined> {
  const output = await runPoppler("pdfimages", ["-list", "-f", String(first), "-l", String(last), file], {
    timeoutMs: 60_000,
    maxOutputBytes: 50_000_000,
  });
  if (!output) return undefined;
  const pages = new Map<number, number>();
  // After two header lines, one line per image: page num type width height
  // color comp bpc enc interp object ID x-ppi y-ppi size ratio.
  for (const line of output.toString("utf8").split("\n").slice(2)) {
    const fields = line.trim().split(/\s+/);
    const page = Number(fields[0]);
    if (!(page > 0)) continue;
    const ppi = Math.max(Number(fields[12]) || 0, Number(fields[13]) || 0);
    pages.set(page, Math.max(pages.get(page) ?? 0, ppi));
  }
  return pages;
}

/**
 * The resolution a page is rendered at: that of the scan on it (more adds
 * pixels, not detail), at least 150 dpi (Tesseract wants letters some 20
 * pixels high) and at most 300, lower still where the page would pass
 * `maxPixels` or the longest side Tesseract can use.
 */
export function renderDpi(size: PageSize, maxPixels: number, scannedAt = MAX_DPI): number {
  const inches = { width: size.width / POINTS_PER_INCH, height: size.height / POINTS_PER_INCH };
  const byPixels = Math.sqrt(maxPixels / (inches.width * inches.height));
  const bySide = MAX_OCR_SIDE / Math.max(inches.width, inches.height);
  const wanted = Math.min(MAX_DPI, Math.max(MIN_DPI, scannedAt));
  // Whole dots per inch, rounded down: never a pixel past either limit.
  return Math.max(1, Math.floor(Math.min(wanted, byPixels, bySide)));
}

/** One page (from 1) as a grayscale PNG, or undefined when pdftoppm could not render it within `timeoutMs`. */
export async function renderPage(
  file: string,
  page: number,
  dpi: number,
  limits: { timeoutMs: number; maxPixels: number },
): Promise<Buffer | undefined> {
  const args = ["-q", "-f", String(page), "-l", String(page), "-r", String(dpi), "-gray", "-png", "-singlefile", file];
  // A PNG is at most its pixels (one byte each, grayscale) and a little.
  return runPoppler("pdftoppm", args, { timeoutMs: limits.timeoutMs, maxOutputBytes: limits.maxPixels + 1_000_000 });
}
