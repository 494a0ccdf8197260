/**
 * Row (g): the worker's PDF text extraction next to poppler's pdftotext
 * (C++) on the same files, ms per page each, in this process, one file at a
 * time, per producer: the corpus's Chromium-printed PDFs, and two manuals
 * Debian installs, gnuplot.pdf (pdfTeX) and valgrind_manual.pdf (Apache FOP,
 * DocBook). Three extractions of each file, taking turns: the worker's as it
 * runs (pdftotext where installed, pdf.js for the pages it cannot read
 * well), pdf.js alone (the fallback), and a bare `pdftotext` process, whose
 * time is a whole process run, start-up included, as the worker pays it.
 * Characters extracted are compared too: a fast extractor that drops text
 * would look good here for the wrong reason.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import { extractText } from "~/worker/documents/extract/extract";
import type { PdfExtractor } from "~/worker/documents/extract/pdf";
import type { CorpusFile } from "./documents-corpus";
import { hasProgram } from "./documents-corpus";
import { verdict } from "./table";
import { TARGETS } from "./targets";

/** Passes over all the files; the first warms up (pdf.js's code, the page cache) and is not counted. */
const PASSES = 3;

/** Real PDFs of other toolchains, as Debian installs them (gzipped or not). */
const DEBIAN_PDFS = [
  { producer: "pdfTeX (gnuplot.pdf)", file: "/usr/share/doc/gnuplot/gnuplot.pdf", apt: "gnuplot-doc" },
  { producer: "FOP (valgrind_manual.pdf)", file: "/usr/share/doc/valgrind/valgrind_manual.pdf", apt: "valgrind" },
] as const;

export interface ProducerExtraction {
  producer: string;
  files: number;
  pages: number;
  /** The fastest measured pass's total, ms, of each: the one other work on the machine disturbed least. */
  workerMs: number;
  pdfjsMs: number;
  pdftotextMs?: number;
  /** Characters other than white space. */
  workerChars: number;
  pdfjsChars: number;
  pdftotextChars?: number;
}

export interface ExtractionComparison {
  producers: ProducerExtraction[];
  /** One `pdftotext -v` run: what each file's time holds of process start-up. */
  pdftotextStartupMs?: number;
  /** What was not measured and why (a missing program or PDF). */
  skipped: string[];
}

interface Input {
  producer: string;
  path: string;
  bytes: Uint8Array;
}

/** The corpus's PDFs (Chromium) and Debian's manuals; a gzipped manual is unpacked into `workDir`. */
export async function extractionInputs(chromiumPdfs: CorpusFile[], workDir: string) {
  const inputs: Input[] = [];
  const skipped: string[] = [];
  for (const file of chromiumPdfs) {
    inputs.push({ producer: "Chromium (corpus)", path: file.path, bytes: new Uint8Array(await readFile(file.path)) });
  }
  for (const { producer, file, apt } of DEBIAN_PDFS) {
    if (existsSync(file)) {
      inputs.push({ producer, path: file, bytes: new Uint8Array(await readFile(file)) });
    } else if (existsSync(`${file}.gz`)) {
      const unpacked = path.join(workDir, path.basename(file));
      const bytes = new Uint8Array(gunzipSync(await readFile(`${file}.gz`)));
      await writeFile(unpacked, bytes);
      inputs.push({ producer, path: unpacked, bytes });
    } else {
      skipped.push(`${producer}: not installed (apt-get install -y ${apt})`);
    }
  }
  return { inputs, skipped };
}

export async function compareExtraction(chromiumPdfs: CorpusFile[], workDir: string): Promise<ExtractionComparison> {
  const { inputs, skipped } = await extractionInputs(chromiumPdfs, workDir);
  const withPdftotext = hasProgram("pdftotext", ["-v"]);
  if (!withPdftotext) skipped.push("pdftotext: not installed (apt-get install -y poppler-utils)");

  const timed = async (input: Input, extractor: PdfExtractor) => {
    const begin = performance.now();
    const extracted = await extractText(input.bytes, "pdf", undefined, extractor);
    const ms = performance.now() - begin;
    return { ms, pages: extracted.pages ?? 0, chars: visibleChars(extracted.units.map((unit) => unit.text).join("")) };
  };
  const producers = [...new Set(inputs.map((input) => input.producer))];
  const passes: Map<string, { worker: number; pdfjs: number; pdftotext: number }>[] = [];
  const last = new Map<string, Omit<ProducerExtraction, "workerMs" | "pdfjsMs" | "pdftotextMs">>();
  for (let pass = 0; pass < PASSES; pass++) {
    const totals = new Map(producers.map((producer) => [producer, { worker: 0, pdfjs: 0, pdftotext: 0 }]));
    last.clear();
    for (const input of inputs) {
      const total = totals.get(input.producer)!;
      const seen = last.get(input.producer) ?? {
        producer: input.producer,
        files: 0,
        pages: 0,
        workerChars: 0,
        pdfjsChars: 0,
        ...(withPdftotext ? { pdftotextChars: 0 } : {}),
      };
      const worker = await timed(input, "auto");
      const pdfjs = await timed(input, "pdf.js");
      total.worker += worker.ms;
      total.pdfjs += pdfjs.ms;
      seen.files += 1;
      seen.pages += pdfjs.pages;
      seen.workerChars += worker.chars;
      seen.pdfjsChars += pdfjs.chars;
      if (withPdftotext) {
        const begin = performance.now();
        const text = await run("pdftotext", ["-enc", "UTF-8", input.path, "-"]);
        total.pdftotext += performance.now() - begin;
        seen.pdftotextChars = (seen.pdftotextChars ?? 0) + visibleChars(text);
      }
      last.set(input.producer, seen);
    }
    if (pass > 0) passes.push(totals);
  }

  const best = (producer: string, key: "worker" | "pdfjs" | "pdftotext") =>
    Math.min(...passes.map((totals) => totals.get(producer)![key]));
  const results = producers.map((producer): ProducerExtraction => ({
    ...last.get(producer)!,
    workerMs: best(producer, "worker"),
    pdfjsMs: best(producer, "pdfjs"),
    ...(withPdftotext ? { pdftotextMs: best(producer, "pdftotext") } : {}),
  }));
  if (!withPdftotext) return { producers: results, skipped };
  const begin = performance.now();
  await run("pdftotext", ["-v"]);
  return { producers: results, pdftotextStartupMs: performance.now() - begin, skipped };
}

/** Row (g)'s lines for bench/table.ts: per producer, the worker's and pdf.js's ms per page and their ratio to pdftotext's. */
export function extractionRows({ producers, pdftotextStartupMs }: ExtractionComparison): string[][] {
  const perPage = (ms: number | undefined, pages: number) =>
    ms === undefined ? "n/a" : `${(ms / pages).toFixed(2)} ms/page`;
  const ratio = (ms: number, reference: number | undefined) => (reference === undefined ? undefined : ms / reference);
  const rows: string[][] = [];
  for (const [index, run] of producers.entries()) {
    const worker = ratio(run.workerMs, run.pdftotextMs);
    const pdfjs = ratio(run.pdfjsMs, run.pdftotextMs);
    const chars = (count: number | undefined) => (count === undefined ? "n/a" : count.toLocaleString("en"));
    rows.push(
      [
        `${index === 0 ? "(g)" : "   "} PDF text, ${run.producer}: ${run.files} files, ${run.pages} pages`,
        "",
        "",
        "",
        `characters: worker ${chars(run.workerChars)}, pdf.js ${chars(run.pdfjsChars)}, pdftotext ${chars(run.pdftotextChars)}`,
      ],
      ["      worker (pdftotext, pdf.js where it must)", perPage(run.workerMs, run.pages)],
      ["      pdf.js alone (the fallback)", perPage(run.pdfjsMs, run.pages)],
      [
        "      pdftotext process",
        perPage(run.pdftotextMs, run.pages),
        "",
        "",
        pdftotextStartupMs === undefined ? "" : `start-up ${pdftotextStartupMs.toFixed(1)} ms of each file's time`,
      ],
      [
        "      worker / pdftotext",
        worker === undefined ? "n/a" : `${worker.toFixed(2)}×`,
        "",
        "",
        pdfjs === undefined ? "" : `pdf.js alone ${pdfjs.toFixed(2)}×`,
        `≤ ${TARGETS.pdfOverPdftotext}×`,
        worker === undefined ? "n/a" : verdict(worker <= TARGETS.pdfOverPdftotext),
      ],
    );
  }
  return rows;
}

/** Runs `program`, resolving with what it wrote to stdout. */
function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 || args[0] === "-v"
        ? resolve(Buffer.concat(chunks).toString("utf8"))
        : reject(new Error(`${program} exited ${String(code)}`)),
    );
  });
}

/** Characters other than white space: the extractors lay out lines and pages differently. */
function visibleChars(text: string): number {
  return text.replace(/\s+/gu, "").length;
}
