/**
 * `npm run bench:ocr`: issue 23's measurements of OCR, in one run, one table
 * with targets. Scans made from pages of Debian's gnuplot, valgrind and
 * nettle manuals (bench/ocr-scans.ts), then:
 *
 *   1. word recall of the product's OCR against each page's own text layer,
 *      with Debian's `tesseract` CLI's beside it for reference;
 *   2. OCR time per page, the product's path next to the CLI on one core;
 *   3. pages per minute through a real worker from the production build,
 *      with one reader process (WORKER_EXTRACT_THREADS=1), then two;
 *   4. the memory of the worker and its reader processes meanwhile;
 *   5. the worker's `whoami` p99 meanwhile.
 *
 * Rows 1–2 run in this process (bench/ocr-reading.ts), rows 3–5 on a stack
 * of its own (bench/stack.ts, bench/ocr-worker.ts).
 *
 *   npm run bench:ocr                       # runs `npm run build` first
 *   npm run bench:ocr -- --no-build         # reuses the last build
 *   npm run bench:ocr -- --pages 3          # fewer pages, for a quick run
 *   npm run bench:ocr -- --help
 */
import os from "node:os";

import { end as endRecogniser } from "~/worker/documents/extract/ocr/recognizer";
import { CALL_EVERY_MS } from "./calls-during";
import { parseCommandLine, usageError, wholeNumber } from "./command-line";
import type { IngestRun } from "./documents-ingest";
import { compareReading, type ReadingComparison, type Reading } from "./ocr-reading";
import { makeScans, MANUALS, MAX_SCANS, type BenchScan } from "./ocr-scans";
import { measureWorkerRuns, type Recall, type WorkerRun } from "./ocr-worker";
import { runBench, startStack, workPath } from "./stack";
import { mb, ms, percent, runHeader, seconds, table, verdict } from "./table";
import { TARGETS } from "./targets";

const DEFAULT_PAGES = 6;
/** WORKER_EXTRACT_THREADS of the two runs of rows 3–5. */
const READERS = [1, 2] as const;

const USAGE = `npm run bench:ocr -- [options]

  --no-build           reuse the last build (default: npm run build first)
  --pages N            scanned pages to read, 1–${MAX_SCANS} (default ${DEFAULT_PAGES}); the manuals take turns
  --postgres URL       make the run's fresh database on this PostgreSQL server and drop it at the end;
                       else DATABASE_URL as it is, else a throwaway embedded PostgreSQL
  -h, --help           this text`;

const options = parseCommandLine("bench:ocr", USAGE, {
  options: {
    pages: { type: "string" },
    postgres: { type: "string" },
    // Read by stack.ts's build().
    "no-build": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
const pageCount = options.pages === undefined ? DEFAULT_PAGES : wholeNumber("bench:ocr", USAGE, "pages", options.pages);
if (pageCount > MAX_SCANS) usageError("bench:ocr", USAGE, `--pages: at most ${MAX_SCANS}`);

await runBench(main);

async function main(): Promise<number> {
  console.log(runHeader());
  console.log(`Scans: ${pageCount} pages of ${MANUALS.join(", ")}, rendered by pdftoppm, grain and skew added…`);
  const scans = await makeScans(pageCount, workPath("."));

  console.log(`(1, 2) reading each scan in this process (the product's path) and with the tesseract CLI…`);
  const reading = await compareReading(scans, workPath("."));
  // Its thread and model would otherwise sit in this process through the worker's runs.
  await endRecogniser();

  const stack = await startStack({
    workers: READERS.map((threads) => ({ WORKER_EXTRACT_THREADS: String(threads) })),
    databaseServer: options.postgres,
  });
  const runs = await measureWorkerRuns(stack, READERS, scans, workPath("."));

  const failed = printReport(scans, reading, runs);
  console.log(`\n${runHeader()}`);
  return failed ? 1 : 0;
}

/** Prints the explanation and the table; true when a document failed to be read. */
function printReport(scans: readonly BenchScan[], reading: ReadingComparison, runs: readonly WorkerRun[]): boolean {
  const { pages } = reading;
  const words = sum(pages.map((page) => page.words));
  const total = (pick: (page: (typeof pages)[number]) => Reading | undefined) => {
    const readings = pages.map(pick).filter((value): value is Reading => value !== undefined);
    return readings.length === pages.length
      ? { found: sum(readings.map((value) => value.found)), ms: sum(readings.map((value) => value.ms)) }
      : undefined;
  };
  const product = total((page) => page.product)!;
  const cli = total((page) => page.cli);
  const cliProductModel = total((page) => page.cliProductModel);
  const worst = pages.reduce((low, page) =>
    page.product.found / page.words < low.product.found / low.words ? page : low,
  );
  const perManual = MANUALS.map((manual) => {
    const of = pages.filter((page) => page.label.startsWith(`${manual} `));
    return `${manual} ${share(sum(of.map((page) => page.product.found)), sum(of.map((page) => page.words)))}`;
  });
  const recallRow = (label: string, found: number | undefined, notes: string, judged: boolean): string[] => {
    const recall = found === undefined ? undefined : found / words;
    return [
      label,
      recall === undefined
        ? "not measured"
        : `${percent1(recall)} (${found!.toLocaleString("en")} of ${words.toLocaleString("en")} words)`,
      notes,
      judged ? `≥ ${percent(TARGETS.ocrWordRecall)}` : "reference",
      judged && recall !== undefined ? verdict(recall >= TARGETS.ocrWordRecall) : "",
    ];
  };
  const perPage = (totalMs: number) => ms(totalMs / pages.length);
  const ratio = cli && product.ms / cli.ms;
  const lastRun = runs.at(-1);
  const workerRecall = (recall: Recall) => (recall.words ? recall.found / recall.words : undefined);

  console.log(`
Scans: ${scans.length} pages (${scans.map((scan) => scan.label).join("; ")}), each pdftoppm's grayscale rendering of the page with
  Gaussian grain (σ 18 of 255) and the skew, as tests/support/worker/scans.ts makes them; ${words.toLocaleString("en")} words in their text layers.
Recall (1): the share of the words of each page's text layer (pdftotext; lower case, letters and digits, 2 characters or more, each
  occurrence counted) found in the OCR's text, all pages together. Product: extractText(png, "image") in this process, as a reader
  process runs it. Through the worker: the chunks it stored for the uploads of row 3 (every other scan as a PNG, the others as a
  one-page image-only PDF with the scan inside as JPEG, which the worker renders again with pdftoppm), WORKER_EXTRACT_THREADS=${lastRun?.threads ?? "-"}.
Time (2): wall time per page, one page at a time, the three readers taking turns page by page. Product: extractText on the PNG with its
  recogniser already started (sharp's preparation and the page's WebP preview included; tesseract.js 7, WebAssembly, one thread, the
  eng 4.0.0_best_int model). CLI: \`tesseract <png> - -l eng --dpi <scan's>\`, Debian's ${reading.cliVersion ?? "tesseract"} with OMP_THREAD_LIMIT=1 so
  both use one core; a whole process run, its start-up and model load included (${
    reading.cliStartupMs === undefined ? "n/a" : ms(reading.cliStartupMs)
  } on a blank 16 × 16 image). Debian's eng model is tessdata_fast; the same CLI with the product's model is shown too.
  After the product's turn on a page, its two steps are run again on the same PNG, each timed alone.${
    reading.skipped.length ? `\n  Not measured: ${reading.skipped.join("; ")}.` : ""
  }
Throughput (3): a worker from the production build (its own database, web tier for sign-up), once with WORKER_EXTRACT_THREADS=1 and
  once with =2 (the other stopped), on ${os.availableParallelism()} cores; after a text document through it (its job queue connects),
  the ${scans.length} scans uploaded to POST /documents (4 at a time), then documents.list every 100 ms until all are ready. From the first
  upload to the last one ready: uploads, the queue's pickup, each reader's recogniser start (about 0.4 s, once per reader), OCR, indexing.
Memory (4): VmRSS of the worker and every process under it (reader processes, their pdftoppm), summed, sampled every 100 ms over the
  run of row 3; shared pages count once per process, so the sum is an upper bound.
Responsiveness (5): whoami on the same worker over the same run, one call at a time, one every ${CALL_EVERY_MS} ms at most.
`);

  const rows: string[][] = [["Measurement", "Value", "Notes", "Target", "Result"]];
  rows.push(
    recallRow(
      "(1) word recall, product (extractText on the PNG)",
      product.found,
      `${perManual.join(", ")}; lowest page ${share(worst.product.found, worst.words)} (${worst.label})`,
      true,
    ),
    recallRow("    tesseract CLI, Debian's model", cli?.found, "tessdata_fast", false),
    recallRow("    tesseract CLI, the product's model", cliProductModel?.found, "4.0.0_best_int", false),
  );
  if (lastRun) {
    for (const [format, label] of [
      ["png", "PNG uploads"],
      ["pdf", "scanned-PDF uploads"],
    ] as const) {
      const recall = workerRecall(lastRun.recall[format]);
      rows.push([
        `    through the worker, ${label}`,
        recall === undefined
          ? "none uploaded"
          : `${percent1(recall)} (${lastRun.recall[format].found.toLocaleString("en")} of ${lastRun.recall[format].words.toLocaleString("en")} words)`,
        "as stored in the chunks",
        `≥ ${percent(TARGETS.ocrWordRecall)}`,
        recall === undefined ? "" : verdict(recall >= TARGETS.ocrWordRecall),
      ]);
    }
  }
  rows.push(
    ["(2) OCR time per page, product", perPage(product.ms), `mean of ${pages.length} pages`],
    [
      "    of which, timed alone: preparation",
      perPage(sum(pages.map((page) => page.productSteps.prepareMs))),
      "sharp: decode, grayscale, Tesseract's PNG, WebP preview, blank check (page-image.ts)",
    ],
    [
      "    of which, timed alone: recognition",
      perPage(sum(pages.map((page) => page.productSteps.recognizeMs))),
      "tesseract.js recognize(), blocks output, unsure lines dropped (recognizer.ts)",
    ],
    [
      "    tesseract CLI, Debian's model",
      cli ? perPage(cli.ms) : "not measured",
      "OMP_THREAD_LIMIT=1, start-up included",
    ],
    [
      "    tesseract CLI, the product's model",
      cliProductModel ? perPage(cliProductModel.ms) : "not measured",
      cliProductModel ? `product / this = ${(product.ms / cliProductModel.ms).toFixed(2)}×` : "",
    ],
    [
      "    product / CLI (Debian's model)",
      ratio === undefined ? "not measured" : `${ratio.toFixed(2)}×`,
      "total time over the same pages",
      `≤ ${TARGETS.ocrOverTesseract}×`,
      ratio === undefined ? "" : verdict(ratio <= TARGETS.ocrOverTesseract),
    ],
  );
  const perMinute = (run: IngestRun) => (run.documents / run.seconds) * 60;
  for (const [index, { threads, run }] of runs.entries()) {
    rows.push([
      `${index === 0 ? "(3)" : "   "} pages/min, ${threads} reader process${threads === 1 ? "" : "es"}`,
      perMinute(run).toFixed(1),
      `${run.documents} pages in ${seconds(run.seconds * 1000)} (uploads ${seconds(run.uploadSeconds * 1000)}), per page ready after p50 ${seconds(
        run.readySeconds.p50 * 1000,
      )}; ${run.failed.length} failed`,
    ]);
  }
  if (runs.length === 2) {
    rows.push([
      "    2 readers / 1 reader",
      (perMinute(runs[1]!.run) / perMinute(runs[0]!.run)).toFixed(2),
      `${os.availableParallelism()} cores`,
    ]);
  }
  for (const [index, { threads, rss }] of runs.entries()) {
    rows.push([
      `${index === 0 ? "(4)" : "   "} RSS peak, worker + readers, ${readers(threads)}`,
      mbOr(rss.peak),
      `${rss.processesAtPeak} processes at the peak, ${mbOr(rss.before)} before; worker alone ${mbOr(rss.rootPeak)}, largest reader ${mbOr(
        rss.childPeak,
      )}; ${rss.samples} samples`,
    ]);
  }
  for (const [index, { threads, whoami }] of runs.entries()) {
    rows.push([
      `${index === 0 ? "(5)" : "   "} whoami p99 during OCR, ${readers(threads)}`,
      ms(whoami.p99),
      `p50 ${ms(whoami.p50)}, max ${ms(whoami.max)}; ${whoami.calls} calls, ${whoami.failed} failed`,
      `≤ ${TARGETS.whoamiDuringOcrP99Ms} ms`,
      verdict(whoami.p99 <= TARGETS.whoamiDuringOcrP99Ms && whoami.failed === 0),
    ]);
  }
  console.log(table(rows));
  let failed = false;
  for (const { threads, run } of runs) {
    for (const failure of run.failed) {
      failed = true;
      console.log(`  failed (${readers(threads)}): ${failure.name}: ${failure.reason ?? "(no reason)"}`);
    }
    for (const [refusal, count] of tally(run.refusals))
      console.log(`  refused ${count}×, then sent again (${readers(threads)}): ${refusal}`);
  }
  return failed;
}

function readers(threads: number): string {
  return `${threads} reader${threads === 1 ? "" : "s"}`;
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function percent1(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function share(found: number, of: number): string {
  return of ? percent1(found / of) : "n/a";
}

function mbOr(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : mb(bytes);
}
