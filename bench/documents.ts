/**
 * The documents rows of `npm run bench` (g–k), on a stack started with two
 * worker processes of which the second runs only for the two-worker
 * ingestion: (g) PDF extraction next to pdftotext, (h) ingestion throughput
 * with one worker and then two, (i) search over 100,000 chunks by each
 * route, (j) the worker's memory, (k) its `whoami` while it ingests the
 * large PDF. The corpus is made before the stack
 * starts (documents-corpus.ts); each row uses a user of its own, so no row
 * searches or lists another's documents.
 */
import os from "node:os";

import { signUp, workerToken } from "../tooling/app-client";
import { CALL_EVERY_MS, callsDuring, type CallsDuring } from "./calls-during";
import type { Corpus, CorpusFile } from "./documents-corpus";
import { compareExtraction, extractionRows, type ExtractionComparison } from "./documents-extract";
import { ingest, warmUp, type IngestRun } from "./documents-ingest";
import {
  hopRoute,
  httpSearchRoute,
  measureRoutes,
  rawSqlRoutes,
  SEARCH_RUN,
  seedChunks,
  type Latency,
  type SeededChunks,
} from "./documents-search";
import { rssOf } from "../load/memory";
import { peakOf, peakRssDuring, type PeakRss } from "./peak-rss";
import { workPath, type Stack } from "./stack";
import { mb, ms, seconds, table, verdict } from "./table";
import { TARGETS } from "./targets";

/** Longest wait for a corpus to be ingested before the row fails. */
const INGEST_TIMEOUT_MS = 240_000;

export interface DocumentsReport {
  corpus: Corpus;
  extraction: ExtractionComparison;
  oneWorker: IngestRun;
  twoWorkers: IngestRun;
  /** The large PDF's ingestion, with the worker's memory and its `whoami` calls meanwhile. */
  large?: { run: IngestRun; rss: PeakRss; whoami: CallsDuring };
  /** The first worker's resident bytes before any document reached it. */
  idleRss?: number;
  seeded: SeededChunks;
  search: {
    bare: Latency;
    asWorker: Latency;
    worker: Latency;
    /** Undefined: the web tier has no documents.search. */
    web?: Latency;
    hop: Latency;
    workerRss: PeakRss;
  };
}

export interface DocumentsOptions {
  /** Chunks in the search table (default SEARCH_SIZE.chunks). */
  searchChunks?: number;
}

export async function measureDocuments(
  { databaseUrl, webUrl, workers }: Stack,
  corpus: Corpus,
  options: DocumentsOptions = {},
): Promise<DocumentsReport> {
  const [first, second] = workers;
  if (!first || !second) throw new Error("the documents rows need a stack with two workers");
  const userToken = async (label: string) => {
    const user = await signUp(webUrl, label);
    return { user, token: await workerToken(webUrl, user.cookie) };
  };

  const idleRss = first.service.pid === undefined ? undefined : rssOf(first.service.pid);

  const pdfs = corpus.files.filter((file) => file.kind === "pdf");
  console.log(`(g) extracting ${pdfs.length} Chromium PDFs and Debian's manuals: the worker's way, pdf.js, pdftotext…`);
  const extraction = await compareExtraction(pdfs, workPath("."));

  // The smallest file of the corpus, by a user of its own, through each worker before it is timed.
  const probe = corpus.files.reduce((smallest, file) => (file.bytes < smallest.bytes ? file : smallest));
  const { token: probeToken } = await userToken("warm-up");
  await warmUp(first.url, probeToken, probe);

  console.log(`(h) ingesting ${corpus.files.length} documents with 1 worker…`);
  const oneWorker = await ingest(
    [first.url],
    (await userToken("ingest-1")).token,
    databaseUrl,
    corpus.files,
    INGEST_TIMEOUT_MS,
  );

  let large: DocumentsReport["large"];
  if (corpus.large) {
    console.log(
      `(j) ingesting the ${mb(corpus.large.bytes)} PDF, watching the worker's memory and calling its whoami…`,
    );
    const { token } = await userToken("large");
    const file: CorpusFile = corpus.large;
    const {
      result: { result, calls },
      rss,
    } = await peakRssDuring(first.service.pid, () =>
      callsDuring(`${first.url}/trpc/whoami`, { authorization: `Bearer ${token}` }, () =>
        ingest([first.url], token, databaseUrl, [file], INGEST_TIMEOUT_MS),
      ),
    );
    large = { run: result, rss, whoami: calls };
  }

  console.log(`(h) ingesting ${corpus.files.length} documents with 2 workers…`);
  await second.service.start();
  let twoWorkers: IngestRun;
  try {
    await warmUp(second.url, probeToken, probe);
    twoWorkers = await ingest(
      [first.url, second.url],
      (await userToken("ingest-2")).token,
      databaseUrl,
      corpus.files,
      INGEST_TIMEOUT_MS,
    );
  } finally {
    // The search rows measure one worker, with nothing else running.
    await second.service.stop();
  }

  console.log(`(i) writing the search table's chunks…`);
  const { user, token } = await userToken("search");
  const seeded = await seedChunks(databaseUrl, user.userId, options.searchChunks);
  const web = await httpSearchRoute(
    `${webUrl}/api/trpc/documents.search`,
    { cookie: user.cookie },
    seeded.queries[0]!,
    { superjson: true },
  );
  const worker = await httpSearchRoute(
    `${first.url}/trpc/documents.search`,
    { authorization: `Bearer ${token}` },
    seeded.queries[0]!,
  );
  if (!worker) throw new Error("the worker has no documents.search");
  const sql = await rawSqlRoutes(databaseUrl, user.userId);
  const hop = hopRoute(first.url);
  console.log(`(i) ${SEARCH_RUN.calls} searches by each route, taking turns…`);
  let latencies;
  let workerRss;
  try {
    const routes = { bare: sql.bare, asWorker: sql.asWorker, worker: worker.call, hop: hop.call, web: web?.call };
    ({ result: latencies, rss: workerRss } = await peakRssDuring(first.service.pid, () =>
      measureRoutes(routes, seeded.queries),
    ));
  } finally {
    await Promise.all([sql.close(), worker.close(), hop.close(), web?.close()]);
  }

  const { bare, asWorker, worker: viaWorker, hop: alone, web: viaWeb } = latencies;
  return {
    corpus,
    extraction,
    oneWorker,
    twoWorkers,
    large,
    idleRss,
    seeded,
    search: { bare: bare!, asWorker: asWorker!, worker: viaWorker!, web: viaWeb, hop: alone!, workerRss },
  };
}

export function printDocumentsReport({
  corpus,
  extraction,
  oneWorker,
  twoWorkers,
  large,
  idleRss,
  seeded,
  search,
}: DocumentsReport): void {
  const kinds = new Map<string, number>();
  for (const file of corpus.files) kinds.set(file.kind, (kinds.get(file.kind) ?? 0) + 1);
  const pdfPages = corpus.files.reduce((sum, file) => sum + (file.pages ?? 0), 0);
  const perMinute = (run: IngestRun) => (run.documents / run.seconds) * 60;
  const textRate = (run: IngestRun) => run.textChars / 1e6 / run.seconds;
  const ingestRow = (label: string, run: IngestRun) => [
    label,
    `${perMinute(run).toFixed(1)} docs/min, ${textRate(run).toPrecision(3)} MB/s of text`,
    seconds(run.readySeconds.p50 * 1000),
    seconds(run.readySeconds.p99 * 1000),
    `${seconds(run.seconds * 1000)} for ${run.documents} (uploads ${seconds(run.uploadSeconds * 1000)}), ${run.chunks} chunks, ${(run.textChars / 1e6).toFixed(1)} MB text, ${run.failed.length} failed, ${run.refusals.length} refused (503) and sent again`,
  ];
  const latencyRow = (label: string, run: Latency | undefined, note = "") =>
    run
      ? [label, "", ms(run.p50), ms(run.p99), `${run.failed} failed${note}`]
      : [label, "not available (no such procedure)"];
  const { bare, asWorker, worker, web, hop, workerRss } = search;
  const allowed = TARGETS.searchOverSqlPlusHop * (asWorker.p50 + hop.p50);
  const scaling = perMinute(twoWorkers) / perMinute(oneWorker);
  const rssText = (rss: PeakRss) => `${mbOr(peakOf(rss))} (${mbOr(rss.before)} before)`;

  console.log(`
Corpus (g, h): ${corpus.files.length} files made for this run, ${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(", ")}; ${mb(
    corpus.files.reduce((sum, file) => sum + file.bytes, 0),
  )}, ${pdfPages} PDF pages. PDFs printed by Chromium, DOCX and HTML by pandoc, from generated English-like text.${
    corpus.skipped.length ? `\n  Skipped: ${corpus.skipped.join("; ")}.` : ""
  }
Extraction (g): each PDF in turn in this process, the worker's extraction (pdftotext, pdf.js for letter-spaced pages), pdf.js alone, then
  a pdftotext process (start-up included); the best of 2 passes after a warm-up.${
    extraction.skipped.length ? ` Not measured: ${extraction.skipped.join("; ")}.` : ""
  }
Ingestion (h): after one small document through each worker (its job queue connects in the background), every file uploaded to POST /documents (4 at a time, spread over the running workers), then documents.list read every 100 ms
  until all are ready; the time runs from the first upload to the last one ready. MB of text = characters stored in the chunks / 10^6;
  p50/p99 = each document's time from its upload's answer to its being seen ready.
Search (i): ${seeded.chunks.toLocaleString("en")} chunks (${(seeded.textChars / 1e6).toFixed(0)} MB of text) in ${seeded.documents.toLocaleString(
    "en",
  )} ready documents of one user, written with SQL in ${seconds(seeded.seconds * 1000)}; ${seeded.queries.length} two-word queries of
  mid-frequency words, matching ${seeded.matches[0]}–${seeded.matches.at(-1)} chunks each (median ${seeded.matches[Math.floor(seeded.matches.length / 2)]});
  ${SEARCH_RUN.warmup} warm-up then ${SEARCH_RUN.calls} calls per route, one at a time, the routes taking turns call by call; first page (10 hits with snippets).
Memory (j): the worker's resident memory, sampled every 50 ms, with Linux's high-water mark (VmHWM, reset at the start) where allowed.
Responsiveness (k): during (j), whoami on the same worker, one call at a time, from the first upload to the document seen ready.
`);

  const rows: string[][] = [["Measurement", "Value", "p50", "p99", "Notes", "Target", "Result"]];
  rows.push(...extractionRows(extraction));
  rows.push(
    ingestRow("(h) ingestion, 1 worker", oneWorker),
    ingestRow("    ingestion, 2 workers", twoWorkers),
    [
      "    2 workers / 1 worker (docs/min)",
      scaling.toFixed(2),
      "",
      `${os.availableParallelism()} cores; each worker extracts on up to WORKER_EXTRACT_THREADS threads`,
      `≥ ${TARGETS.ingestTwoOverOne}`,
      verdict(scaling >= TARGETS.ingestTwoOverOne),
    ],
    latencyRow("(i) search SQL direct, bare", bare),
    latencyRow(
      "    SQL as the worker runs it",
      asWorker,
      "; BEGIN READ ONLY, SET LOCAL ROLE app_worker, query, COMMIT",
    ),
    latencyRow("    worker documents.search (HTTP)", worker),
    latencyRow("    web tier documents.search", web),
    latencyRow("    HTTP hop: worker /healthz", hop),
    [
      "    worker p50 vs SQL as worker + hop",
      `${ms(worker.p50)} vs ${ms(asWorker.p50 + hop.p50)}`,
      "",
      "",
      `= ${(worker.p50 / (asWorker.p50 + hop.p50)).toFixed(2)}×`,
      `≤ ${TARGETS.searchOverSqlPlusHop}× (${ms(allowed)})`,
      verdict(worker.p50 <= allowed),
    ],
    [
      "(j) worker RSS, idle (before any document)",
      mbOr(idleRss),
      "",
      "",
      "",
      `≤ ${TARGETS.workerIdleRssMb} MB`,
      idleRss === undefined ? "n/a" : verdict(idleRss <= TARGETS.workerIdleRssMb * 1024 * 1024),
    ],
    large
      ? [
          "    peak, ingesting the large PDF",
          rssText(large.rss),
          "",
          "",
          `${mb(large.run.originalBytes)}, ready in ${seconds(large.run.seconds * 1000)}, ${large.run.failed.length} failed`,
        ]
      : ["    peak, ingesting the large PDF", "not measured (no large PDF)"],
    ["    peak, during the search run", rssText(workerRss), "", "", `${workerRss.samples} samples`],
    large
      ? [
          "(k) worker whoami while it ingests the large PDF",
          "",
          ms(large.whoami.p50),
          ms(large.whoami.p99),
          `${large.whoami.calls} calls, one every ${CALL_EVERY_MS} ms at most; max ${ms(large.whoami.max)}, ${large.whoami.failed} failed`,
          `p99 ≤ ${TARGETS.whoamiDuringIngestP99Ms} ms`,
          verdict(large.whoami.p99 <= TARGETS.whoamiDuringIngestP99Ms && large.whoami.failed === 0),
        ]
      : ["(k) worker whoami while it ingests the large PDF", "not measured (no large PDF)"],
  );
  console.log(table(rows));
  for (const run of [oneWorker, twoWorkers, ...(large ? [large.run] : [])]) {
    for (const failure of run.failed) console.log(`  failed: ${failure.name}: ${failure.reason ?? "(no reason)"}`);
    for (const [refusal, count] of tally(run.refusals)) console.log(`  refused ${count}×, then sent again: ${refusal}`);
  }
}

function tally(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function mbOr(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : mb(bytes);
}
