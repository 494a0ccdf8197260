/**
 * The worker's PDF text extraction (pdf.js, in JavaScript, on the worker's
 * one thread) next to poppler's pdftotext (C++) on the same files: ms per
 * page each, in this process, one file at a time. pdftotext's time is a
 * whole process run, start-up included, as a worker shelling out to it
 * would pay; its start-up alone (`pdftotext -v`) is printed beside it.
 * Characters extracted by each are compared too: a fast extractor that
 * drops text would look good here for the wrong reason.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";

import { extractText } from "~/worker/documents/extract/extract";
import type { CorpusFile } from "./documents-corpus";
import { hasProgram } from "./documents-corpus";

/** Passes over all the files; the first warms up (pdf.js's code, the page cache) and is not counted. */
const PASSES = 3;

export interface ExtractionComparison {
  pages: number;
  files: number;
  /** The fastest measured pass's total, ms: the one other work on the machine disturbed least. */
  oursMs: number;
  pdftotextMs?: number;
  /** One `pdftotext -v` run: what each file's time holds of process start-up. */
  pdftotextStartupMs?: number;
  oursChars: number;
  pdftotextChars?: number;
  /** Why pdftotext was not measured. */
  skipped?: string;
}

export async function compareExtraction(pdfs: CorpusFile[]): Promise<ExtractionComparison> {
  const files = await Promise.all(pdfs.map(async (file) => ({ file, bytes: await readFile(file.path) })));
  const pages = pdfs.reduce((sum, file) => sum + (file.pages ?? 0), 0);
  const withPdftotext = hasProgram("pdftotext", ["-v"]);

  const ours: number[] = [];
  const theirs: number[] = [];
  let oursChars = 0;
  let pdftotextChars = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    let oursTotal = 0;
    let theirsTotal = 0;
    oursChars = 0;
    pdftotextChars = 0;
    for (const { file, bytes } of files) {
      let begin = performance.now();
      const extracted = await extractText(bytes, "pdf");
      oursTotal += performance.now() - begin;
      oursChars += extracted.units.reduce((sum, unit) => sum + visibleChars(unit.text), 0);
      if (withPdftotext) {
        begin = performance.now();
        pdftotextChars += visibleChars(await run("pdftotext", ["-enc", "UTF-8", file.path, "-"]));
        theirsTotal += performance.now() - begin;
      }
    }
    if (pass === 0) continue;
    ours.push(oursTotal);
    theirs.push(theirsTotal);
  }

  const base = { pages, files: files.length, oursMs: Math.min(...ours), oursChars };
  if (!withPdftotext) return { ...base, skipped: "pdftotext is not installed (apt-get install -y poppler-utils)" };
  const begin = performance.now();
  await run("pdftotext", ["-v"]);
  return { ...base, pdftotextMs: Math.min(...theirs), pdftotextStartupMs: performance.now() - begin, pdftotextChars };
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

/** Characters other than white space: the two lay out lines and pages differently. */
function visibleChars(text: string): number {
  return text.replace(/\s+/gu, "").length;
}
