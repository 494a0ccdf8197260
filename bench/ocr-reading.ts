/**
 * Rows 1 and 2 of the OCR bench: each scan read in this process by the
 * product's own path (extractText on the PNG, as a reader process runs it:
 * sharp prepares the page and its WebP preview, tesseract.js recognises it
 * on one thread) and by Debian's `tesseract` CLI, with its own model
 * (tessdata_fast) and with the product's (4.0.0_best_int), one page at a
 * time, taking turns. Word recall is against the page's own text layer
 * (pdftotext); time is wall time per page. The CLI gets OMP_THREAD_LIMIT=1,
 * as the product's WebAssembly has one thread: core for core. Its time is
 * a whole process run (start-up and model load included), as a user of it
 * pays; the product's recogniser is warm, as a reader's is after its first page.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import sharp from "sharp";

import { extractText } from "~/worker/documents/extract/extract";
import { languageDataPath } from "~/worker/documents/extract/ocr/languages";
import { preparePage } from "~/worker/documents/extract/ocr/page-image";
import { recognize } from "~/worker/documents/extract/ocr/recognizer";
import { DEFAULT_OCR_SETTINGS } from "~/worker/documents/extract/ocr/settings";
import { wordRecall } from "../tests/support/worker/scans";
import type { BenchScan } from "./ocr-scans";

export interface Reading {
  /** Words of the text layer found, of all. */
  found: number;
  ms: number;
}

export interface PageReadings {
  label: string;
  words: number;
  product: Reading;
  /** The product's two steps timed alone, on the same PNG: sharp's preparation (page-image.ts) and tesseract.js's recognition. */
  productSteps: { prepareMs: number; recognizeMs: number };
  /** Undefined where tesseract is not installed. */
  cli?: Reading;
  cliProductModel?: Reading;
}

export interface ReadingComparison {
  pages: PageReadings[];
  /** One CLI run on a 16 × 16 white PNG: what each of its page times holds of start-up and model load. */
  cliStartupMs?: number;
  /** "tesseract 5.3.0", as the CLI names itself. */
  cliVersion?: string;
  skipped: string[];
}

export async function compareReading(scans: readonly BenchScan[], workDir: string): Promise<ReadingComparison> {
  const skipped: string[] = [];
  const version = spawnSync("tesseract", ["--version"], { encoding: "utf8" });
  const withCli = version.error === undefined;
  const cliVersion = withCli ? version.stdout.split("\n")[0]?.trim() : undefined;
  if (!withCli) skipped.push("tesseract CLI: not installed (apt-get install -y tesseract-ocr)");
  const productModel = withCli ? await productModelFolder(workDir) : undefined;

  // The recogniser starts (its model loaded) on its first page: not a page's time.
  await productRead(scans[0]!);
  let cliStartupMs: number | undefined;
  if (withCli) {
    const blank = path.join(workDir, "blank.png");
    await writeFile(blank, await blankPng());
    cliStartupMs = (await cliRead(blank, 72)).ms;
  }

  const pages: PageReadings[] = [];
  for (const [index, { label, scan, png }] of scans.entries()) {
    const words = scan.words.length;
    const recallOf = (text: string, ms: number): Reading => ({
      found: Math.round(wordRecall(scan.words, text) * words),
      ms,
    });
    const readings: Partial<PageReadings> = { label, words };
    const runs = [
      async () => {
        const { text, ms } = await productRead({ png, scan });
        readings.product = recallOf(text, ms);
        readings.productSteps = await productSteps(png);
      },
      ...(withCli
        ? [
            async () => {
              const { text, ms } = await cliRead(png, scan.dpi);
              readings.cli = recallOf(text, ms);
            },
            async () => {
              const { text, ms } = await cliRead(png, scan.dpi, productModel);
              readings.cliProductModel = recallOf(text, ms);
            },
          ]
        : []),
    ];
    // Each goes first in turn: a busy moment of the shared machine does not always land on the same one.
    for (let turn = 0; turn < runs.length; turn++) await runs[(index + turn) % runs.length]!();
    pages.push(readings as PageReadings);
  }
  return { pages, cliStartupMs, cliVersion, skipped };
}

async function productRead({ png }: Pick<BenchScan, "png" | "scan">): Promise<{ text: string; ms: number }> {
  const bytes = new Uint8Array(await readFile(png));
  const begin = performance.now();
  const extracted = await extractText(bytes, "image", undefined, "auto", DEFAULT_OCR_SETTINGS);
  const ms = performance.now() - begin;
  return { text: extracted.units.map((unit) => unit.text).join("\n"), ms };
}

/** Where the product's time goes: each step again, timed alone. */
async function productSteps(png: string): Promise<PageReadings["productSteps"]> {
  const bytes = await readFile(png);
  const begin = performance.now();
  const prepared = await preparePage(sharp(bytes));
  const prepareMs = performance.now() - begin;
  await recognize(prepared.png, DEFAULT_OCR_SETTINGS.languages, DEFAULT_OCR_SETTINGS.pageTimeoutMs);
  return { prepareMs, recognizeMs: performance.now() - begin - prepareMs };
}

/** `tesseract <png> - -l eng`, on one core, told the scan's resolution as a user who knows it would. */
function cliRead(png: string, dpi: number, tessdataDir?: string): Promise<{ text: string; ms: number }> {
  const args = [png, "-", "-l", "eng", "--dpi", String(dpi), ...(tessdataDir ? ["--tessdata-dir", tessdataDir] : [])];
  return new Promise((resolve, reject) => {
    const begin = performance.now();
    const child = spawn("tesseract", args, { env: { ...process.env, OMP_THREAD_LIMIT: "1" } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (data: Buffer) => out.push(data));
    child.stderr.on("data", (data: Buffer) => err.push(data));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - begin;
      if (code === 0) resolve({ text: Buffer.concat(out).toString("utf8"), ms });
      else
        reject(new Error(`tesseract ${args.join(" ")}: exit ${String(code)}: ${Buffer.concat(err).toString("utf8")}`));
    });
  });
}

/** The product's English model (gzipped in its package), unpacked where the CLI can read it. */
async function productModelFolder(workDir: string): Promise<string | undefined> {
  const folder = languageDataPath("eng");
  if (!folder) return undefined;
  const tessdata = path.join(workDir, "tessdata-product");
  await mkdir(tessdata, { recursive: true });
  await writeFile(
    path.join(tessdata, "eng.traineddata"),
    gunzipSync(await readFile(path.join(folder, "eng.traineddata.gz"))),
  );
  return tessdata;
}

function blankPng(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: "#ffffff" } })
    .png()
    .toBuffer();
}
