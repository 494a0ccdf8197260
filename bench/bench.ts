/**
 * `npm run bench`: how fast the worker answers `whoami`, next to a bare
 * node:http server (the ceiling on this machine) and through the web tier;
 * and what a /dashboard render costs the web tier, next to the cheapest
 * dynamic page of the same build (/cookie-check, which reads one cookie).
 * Starts its own stack on free ports — a database (DATABASE_URL, or a
 * throwaway embedded PostgreSQL), the production build of the web tier and
 * of the worker — signs up a user, measures, prints one table and stops
 * everything it started.
 *
 * Rows l and m (bench/worker-start.ts): fresh workers started as `npm start`
 * runs them, spawn → ready, and their memory once idle.
 *
 * Then the documents rows (g–k, bench/documents.ts): PDF extraction next
 * to pdftotext, ingestion with one and two workers, search over 100,000
 * chunks, the worker's memory and its calls while it ingests; on a stack with
 * a second worker for them.
 *
 *   npm run bench                 # runs `npm run build` first
 *   npm run bench -- --no-build   # reuses the last build
 *   npm run bench -- --postgres postgresql://postgres@127.0.0.1:5432/postgres
 *                                 # a fresh database on that server, dropped at the end
 *   npm run bench -- --documents  # the documents rows only; --no-documents: without them
 *   npm run bench -- --search-chunks 10000   # a smaller search table, for a quick run
 *   npm run bench -- --help
 */
import http from "node:http";
import os from "node:os";

import { ChildService, freePorts } from "../tooling/child-service";
import { percentiles } from "../tooling/percentiles";
import { signUp, workerToken, type Headers } from "../tooling/app-client";
import { fetchOk, get } from "./client";
import { parseCommandLine, wholeNumber } from "./command-line";
import { cpuShares, sampleCpu, type CpuSample, type CpuShares } from "./cpu";
import { makeCorpus } from "./documents-corpus";
import { measureDocuments, printDocumentsReport } from "./documents";
import { LOAD, measureLoad, measurePaced, type LoadResult } from "./load";
import { measureWorkerStart, printWorkerStartReport } from "./worker-start";
import { logFile, runBench, start, startStack, workPath, type Stack } from "./stack";
import { runHeader, ms, percent, table, verdict } from "./table";
import { TARGETS } from "./targets";

/** Latency runs (d): one keep-alive connection, one call at a time. */
const SEQUENTIAL = { warmupMs: 3_000, calls: 2_000 };
/** Token check (e): several calls in flight, as a dashboard makes them. */
const MINT_CHECK = { calls: 1_000, concurrency: 10 };

const USAGE = `npm run bench -- [options]

  --no-build           reuse the last build (default: npm run build first)
  --postgres URL       make the run's fresh database on this PostgreSQL server (e.g.
                       postgresql://postgres@127.0.0.1:5432/postgres) and drop it at the end;
                       else DATABASE_URL as it is, else a throwaway embedded PostgreSQL
  --documents          the documents rows (g–k) only
  --no-documents       without the documents rows: (a–f) and the worker start (l, m) only, no corpus to make
  --search-chunks N    chunks in the search table of row (i) (default 100,000; fewer for a quick run)
  -h, --help           this text`;

const options = parseCommandLine("bench", USAGE, {
  options: {
    postgres: { type: "string" },
    documents: { type: "boolean", default: false },
    "no-documents": { type: "boolean", default: false },
    "search-chunks": { type: "string" },
    // Read by stack.ts's build().
    "no-build": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
const searchChunks =
  options["search-chunks"] === undefined
    ? undefined
    : wholeNumber("bench", USAGE, "search-chunks", options["search-chunks"]);

await runBench(main);

async function main(): Promise<void> {
  console.log(runHeader());
  const documents = !options["no-documents"];
  let corpus;
  if (documents) {
    console.log("Documents corpus: printing PDFs with Chromium, converting with pandoc…");
    const begin = performance.now();
    corpus = await makeCorpus(workPath("corpus"));
    console.log(
      `Documents corpus: ${corpus.files.length} files${corpus.large ? " and the large PDF" : ""} in ${((performance.now() - begin) / 1000).toFixed(1)} s`,
    );
    for (const reason of corpus.skipped) console.log(`Documents corpus: skipped ${reason}`);
  }
  // The documents rows compare one worker with two; the second runs only then.
  const stack = await startStack({ workers: documents ? [{}, {}] : [{}], databaseServer: options.postgres });
  if (documents) await stack.workers[1]!.service.stop();

  if (!options.documents) {
    await httpRows(stack);
    console.log(`\n(l, m) worker start and idle memory: fresh workers on the stack's database and web tier…`);
    const workerEnv = { LOG_LEVEL: "info", BETTER_AUTH_URL: stack.webUrl, WORKER_DATABASE_URL: stack.databaseUrl };
    printWorkerStartReport(await measureWorkerStart(workerEnv, logFile("worker-start")));
  }
  if (corpus) {
    printDocumentsReport(await measureDocuments(stack, corpus, { searchChunks }));
  }
  // Again at the end: the load average then covers the run.
  console.log(`\n${runHeader()}`);
}

/** Rows a–f. */
async function httpRows({ webUrl, web, workers }: Stack): Promise<void> {
  const { url: workerUrl, service: worker } = workers[0]!;
  const [barePort] = await freePorts(1);
  const bareUrl = `http://127.0.0.1:${barePort}`;

  const user = await signUp(webUrl, "load");
  const bearer: Headers = { authorization: `Bearer ${await workerToken(webUrl, user.cookie)}` };
  const whoamiUrl = `${workerUrl}/trpc/whoami`;
  const whoamiBody = await fetchOk(whoamiUrl, bearer);
  const bare = await start(
    new ChildService({
      name: "bare",
      args: ["--import", "tsx", "bench/bare-server.ts"],
      env: { NODE_ENV: "production", BENCH_PORT: String(barePort), BENCH_BARE_BODY: whoamiBody },
      readyUrl: `${bareUrl}/trpc/whoami`,
      logFile: logFile("bare"),
    }),
  );
  console.log(`\n(a) worker whoami under load…`);
  const workerLoad = await load(whoamiUrl, bearer, worker);
  console.log(`(b) bare node:http under load…`);
  const bareLoad = await load(`${bareUrl}/trpc/whoami`, bearer, bare);

  console.log(`(d) one call at a time: direct, then through the web tier…`);
  const direct = await sequentialLatency(whoamiUrl, bearer);
  const viaWeb = await sequentialLatency(`${webUrl}/api/trpc/worker.whoami`, { cookie: user.cookie });

  console.log(`(e) ${MINT_CHECK.calls} web-tier whoami calls in one new session…`);
  const mints = await mintsForOneSession(webUrl, web);

  console.log(`(f) /dashboard and /cookie-check, at full load, then at half the rate each reached…`);
  const dashboard = await pageCost(`${webUrl}/dashboard`, { cookie: user.cookie }, web);
  const reference = await pageCost(`${webUrl}/cookie-check`, { cookie: user.cookie }, web);

  printReport({ workerLoad, bareLoad, direct, viaWeb, mints, dashboard, reference });
}

type Measured = LoadResult & { cpu: CpuShares };

async function load(url: string, headers: Headers, server: ChildService): Promise<Measured> {
  return withCpu(server, (measuring) => measureLoad(url, headers, measuring));
}

/** `measure`, with `server`'s CPU shares over its measured run: sampled when it calls `measuring`, and again once it is done. */
async function withCpu(
  server: ChildService,
  measure: (measuring: () => CpuSample) => Promise<LoadResult & { before: CpuSample }>,
): Promise<Measured> {
  const { before, ...result } = await measure(() => sampleCpu(server.pid));
  return { ...result, cpu: cpuShares(before, sampleCpu(server.pid)) };
}

interface PageCost {
  /** As many renders as 50 connections get. */
  full: Measured;
  /** Requests sent evenly at half full.reqPerSec: the latency a page has with headroom left. */
  half: Measured;
  /** The server's CPU time per render at full load, in ms. */
  cpuMs: number;
}

async function pageCost(url: string, headers: Headers, web: ChildService): Promise<PageCost> {
  const full = await load(url, headers, web);
  const half = await withCpu(web, (measuring) => measurePaced(url, headers, full.reqPerSec / 2, measuring));
  return { full, half, cpuMs: ((full.cpu.server ?? Number.NaN) / full.reqPerSec) * 1000 };
}

interface Calls {
  latencies: number[];
  failed: number;
}

/** GETs `url` until `calls` were made or `forMs` passed, `concurrency` at a time over keep-alive connections. */
async function callRepeatedly(
  url: string,
  headers: Headers,
  { calls = Infinity, forMs = Infinity, concurrency = 1 }: { calls?: number; forMs?: number; concurrency?: number },
): Promise<Calls> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = performance.now() + forMs;
  const latencies: number[] = [];
  let started = 0;
  let failed = 0;
  const lane = async () => {
    while (started < calls && performance.now() < deadline) {
      started++;
      const begin = performance.now();
      const { status } = await get(url, headers, agent);
      latencies.push(performance.now() - begin);
      if (status !== 200) failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    agent.destroy();
  }
  return { latencies, failed };
}

interface LatencyResult {
  p50: number;
  p99: number;
  failed: number;
}

async function sequentialLatency(url: string, headers: Headers): Promise<LatencyResult> {
  await callRepeatedly(url, headers, { forMs: SEQUENTIAL.warmupMs });
  const { latencies, failed } = await callRepeatedly(url, headers, { calls: SEQUENTIAL.calls });
  return { ...percentiles(latencies), failed };
}

/** A new user's session makes the calls; the web tier's log says how often it minted for that user. */
async function mintsForOneSession(webUrl: string, web: ChildService): Promise<{ count: number; failed: number }> {
  const user = await signUp(webUrl, "mints");
  const { failed } = await callRepeatedly(`${webUrl}/api/trpc/worker.whoami`, { cookie: user.cookie }, MINT_CHECK);
  const count = (await web.logs())
    .split("\n")
    .filter((line) => line.startsWith("{") && isMintFor(line, user.userId)).length;
  return { count, failed };
}

function isMintFor(line: string, userId: string): boolean {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; userId?: unknown };
    return entry.msg === "worker token minted" && entry.userId === userId;
  } catch {
    return false;
  }
}

interface Report {
  workerLoad: Measured;
  bareLoad: Measured;
  direct: LatencyResult;
  viaWeb: LatencyResult;
  mints: { count: number; failed: number };
  dashboard: PageCost;
  reference: PageCost;
}

function printReport({ workerLoad, bareLoad, direct, viaWeb, mints, dashboard, reference }: Report): void {
  const ratio = workerLoad.reqPerSec / bareLoad.reqPerSec;
  const pageCpuRatio = dashboard.cpuMs / reference.cpuMs;
  const overhead = viaWeb.p50 - direct.p50;
  const loadRow = (label: string, run: Measured) => [
    label,
    `${Math.round(run.reqPerSec).toLocaleString("en")} req/s`,
    ms(run.p50),
    ms(run.p99),
    String(run.failed),
    [run.cpu.generator, run.cpu.server, run.cpu.idle].map(percent).join(" / "),
  ];
  const latencyRow = (label: string, run: LatencyResult) => [label, "", ms(run.p50), ms(run.p99), String(run.failed)];
  const halfRateRow = (run: Measured, judged: boolean) => [
    ...loadRow("    at half that rate", run),
    judged ? `p99 ≤ ${TARGETS.pageP99Ms} ms` : "",
    judged ? verdict(run.p99 <= TARGETS.pageP99Ms) : "",
  ];

  const cpu = os.cpus();
  console.log(`
Load (a, b): autocannon in this process, ${LOAD.connections} connections, pipelining 1, ${LOAD.warmupSeconds} s warm-up then ${LOAD.seconds} s;
  req/s is autocannon's average, p50/p99 over every 2xx response; the servers are separate processes.
Latency (d): 1 keep-alive connection, one call at a time, ${SEQUENTIAL.warmupMs / 1000} s warm-up then ${SEQUENTIAL.calls.toLocaleString("en")} calls each.
Tokens (e): ${MINT_CHECK.calls.toLocaleString("en")} calls of a new session, ${MINT_CHECK.concurrency} at a time; mints counted in the web tier's log.
Pages (f): the same load on /dashboard (signed in) and on /cookie-check (reads one cookie, no database): as fast as
  it answers, then requests sent evenly at half that rate (an open loop); CPU per render = the web tier's CPU time / renders, at full load.
CPU: % of one core (the machine has ${cpu.length * 100}%) used by the load generator (this process) / the server / left idle, during the measured ${LOAD.seconds} s.
`);
  console.log(
    table([
      ["Measurement", "Value", "p50", "p99", "Failed", "CPU gen / srv / idle", "Target", "Result"],
      loadRow("(a) worker GET /trpc/whoami", workerLoad),
      loadRow("(b) bare node:http, same body", bareLoad),
      [
        "(c) throughput a / b",
        ratio.toFixed(2),
        "",
        "",
        "",
        "",
        `≥ ${TARGETS.workerOverBare}`,
        verdict(ratio >= TARGETS.workerOverBare),
      ],
      [
        "    worker / best tRPC peer (Fastify + tRPC)",
        "not measured here (npx tsx bench/trpc-adapters.ts)",
        "",
        "",
        "",
        "",
        `≥ ${TARGETS.workerOverTrpcPeer}×`,
        "n/a",
      ],
      latencyRow("(d) web tier → worker whoami", viaWeb),
      latencyRow("    worker whoami direct", direct),
      [
        "    overhead p50 (web − direct)",
        ms(overhead),
        "",
        "",
        "",
        "",
        `≤ ${TARGETS.hopOverheadMs} ms`,
        verdict(overhead <= TARGETS.hopOverheadMs),
      ],
      [
        `(e) tokens minted, ${MINT_CHECK.calls.toLocaleString("en")} web calls`,
        String(mints.count),
        "",
        "",
        String(mints.failed),
        "",
        `= ${TARGETS.mintsPerSession}`,
        verdict(mints.count === TARGETS.mintsPerSession),
      ],
      loadRow("(f) GET /dashboard", dashboard.full),
      halfRateRow(dashboard.half, true),
      loadRow("    GET /cookie-check (reference)", reference.full),
      halfRateRow(reference.half, false),
      [
        "    CPU per render, dashboard / reference",
        `${ms(dashboard.cpuMs)} / ${ms(reference.cpuMs)} = ${pageCpuRatio.toFixed(2)}`,
        "",
        "",
        "",
        "",
        `≤ ${TARGETS.pageCpuRatio}`,
        verdict(pageCpuRatio <= TARGETS.pageCpuRatio),
      ],
    ]),
  );
}
