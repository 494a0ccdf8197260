/**
 * The pages the OCR bench reads: pages of prose of three Debian manuals made
 * by three toolchains (gnuplot.pdf: pdfTeX; valgrind_manual.pdf: DocBook and
 * FOP; nettle.pdf: Texinfo), scanned at 200–300 dpi with grain and a 1°
 * skew either way (tests/support/worker/scans.ts), each written as a PNG and
 * as a one-page image-only PDF, the two ways a scan is uploaded.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";

import type { DebianPdf } from "../tests/support/debian-pdfs";
import { asPdf, asPng, scanDebianPage, type ScannedPage } from "../tests/support/worker/scans";

/** Pages of running text (300–600 words in their text layer), no figures; the manuals take turns. */
const PAGES = {
  gnuplot: [40, 50, 60, 75],
  valgrind: [30, 50, 60, 90],
  nettle: [12, 50, 75, 90],
} as const satisfies Partial<Record<DebianPdf, readonly number[]>>;

export const MANUALS = Object.keys(PAGES) as (keyof typeof PAGES)[];
export const MAX_SCANS = MANUALS.length * PAGES.gnuplot.length;

const DPIS = [200, 250, 300] as const;
const SKEW_DEGREES = 1;

export interface BenchScan {
  /** "gnuplot p. 40, 200 dpi, +1°". */
  label: string;
  scan: ScannedPage;
  /** The scan as a PNG file, and as a one-page PDF of it. */
  png: string;
  pdf: string;
}

/** `count` scans (at most MAX_SCANS), written into `directory`. */
export async function makeScans(count: number, directory: string): Promise<BenchScan[]> {
  const scans: BenchScan[] = [];
  for (let index = 0; index < count; index++) {
    const manual = MANUALS[index % MANUALS.length]!;
    const round = Math.floor(index / MANUALS.length);
    const page = PAGES[manual][round]!;
    // Each manual meets each resolution over three rounds, not always the same one.
    const dpi = DPIS[(index + round) % DPIS.length]!;
    const angle = index % 2 === 0 ? SKEW_DEGREES : -SKEW_DEGREES;
    const scan = await scanDebianPage(manual, page, { dpi, angle });
    const base = path.join(directory, `${manual}-p${page}`);
    await writeFile(`${base}.png`, asPng(scan));
    await writeFile(`${base}.pdf`, await asPdf([{ scan }]));
    scans.push({
      label: `${manual} p. ${page}, ${dpi} dpi, ${angle > 0 ? "+" : "−"}${SKEW_DEGREES}°`,
      scan,
      png: `${base}.png`,
      pdf: `${base}.pdf`,
    });
  }
  return scans;
}
