/**
 * `npm run bench`: how fast the worker answers `whoami`, next to a bare
 * node:http server (the ceiling on this machine) and through the web tier.
 * Starts its own stack on free ports — a database (DATABASE_URL, or a fresh
 * embedded PGlite), the production build of the web tier and of the worker —
 * signs up a user, measures, prints one table and stops everything it started.
 *
 *   npm run bench                 # runs `npm run build` first
 *   npm run bench -- --no-build   # reuses the last build
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";

import { errorMessage } from "~/lib/error-message";
import { startEmbeddedPostgres } from "../tooling/embedded-postgres";
import { migrateDeploy } from "../tooling/prisma-cli";
import { BUILD_OUTPUT, PROJECT_ROOT } from "../tooling/build-output";
import { ChildService, freePorts } from "../tooling/child-service";
import { buildProduction, builtWebTier, builtWorker } from "../tooling/production-build";
import { LOAD, measureLoad, percentiles, type LoadResult } from "./load";

/** Latency runs (d): one keep-alive connection, one call at a time. */
const SEQUENTIAL = { warmupMs: 3_000, calls: 2_000 };
/** Token check (e): several calls in flight, as a dashboard makes them. */
const MINT_CHECK = { calls: 1_000, concurrency: 10 };
const TARGET = { ratio: 0.85, overheadMs: 2, mints: 1 };
// /proc counts CPU time in clock ticks, 100 per second on Linux.
const TICKS_PER_SECOND = 100;

type Headers = Record<string, string>;

// Undone last-in first-out: servers stop before the database they use, the
// database before its directory is removed.
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((error: unknown) => console.error(`cleanup: ${errorMessage(error)}`));
    }
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping what the benchmark started…`);
    void cleanUp().then(() => process.exit(130));
  });
}

const workDir = await mkdtemp(path.join(os.tmpdir(), "bench-"));
cleanups.push(() => rm(workDir, { recursive: true, force: true }));

try {
  await main();
  await cleanUp();
  process.exit(0);
} catch (error) {
  if (!interrupted) console.error(`\nbench could not run: ${errorMessage(error)}`);
  await cleanUp();
  process.exit(1);
}

async function main(): Promise<void> {
  const databaseUrl = await database();
  process.stdout.write(await migrateDeploy(databaseUrl));

  const webEnv: Headers = {
    LOG_LEVEL: "info",
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
  };
  await build();

  const [webPort, workerPort, barePort] = await freePorts(3);
  const webUrl = `http://127.0.0.1:${webPort}`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;

  const web = await start(
    builtWebTier({ port: webPort!, env: { ...webEnv, BETTER_AUTH_URL: webUrl, WORKER_URL: workerUrl }, logFile: logFile("web") }),
  );
  // Logs a line per request at info, as deployed; into a file, so the pipe never fills.
  const worker = await start(builtWorker({ port: workerPort!, env: { LOG_LEVEL: "info", BETTER_AUTH_URL: webUrl }, logFile: logFile("worker") }));

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

  printReport({ workerLoad, bareLoad, direct, viaWeb, mints });
}

/** DATABASE_URL when set, else a fresh embedded PGlite in the work directory. */
async function database(): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log("Database: PostgreSQL from DATABASE_URL");
    return process.env.DATABASE_URL;
  }
  // Port 0: the fixed port a dev server's embedded database wants stays free.
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(workDir, "pglite"), port: 0 });
  cleanups.push(() => embedded.stop());
  console.log(`Database: embedded PGlite in a temporary directory, at ${embedded.url}`);
  return embedded.url;
}

/** `npm run build`, unless --no-build was given and a build is there. */
async function build(): Promise<void> {
  const outputs = [BUILD_OUTPUT.webServer, BUILD_OUTPUT.worker];
  if (process.argv.includes("--no-build")) {
    if (outputs.every((file) => existsSync(path.join(PROJECT_ROOT, file)))) {
      const buildId = readFileSync(path.join(PROJECT_ROOT, ".next/BUILD_ID"), "utf8").trim();
      console.log(`Build: skipped (--no-build), using the existing build ${buildId}`);
      return;
    }
    console.log(`Build: --no-build given, but ${outputs.join(" or ")} is missing, so building`);
  }
  console.log("Build: npm run build…");
  const started = performance.now();
  await buildProduction({}, logFile("build"));
  console.log(`Build: done in ${seconds(performance.now() - started)}`);
}

function logFile(name: string): string {
  return path.join(workDir, `${name}.log`);
}

/** Starts `service`, to be stopped by the cleanup. */
async function start(service: ChildService): Promise<ChildService> {
  // Interrupted: anything started now would outlive the cleanup.
  if (cleaning) throw new Error(`not starting ${service.spec.name}: stopping`);
  cleanups.push(() => service.stop());
  const started = performance.now();
  await service.start();
  console.log(`Started ${service.spec.name} (pid ${String(service.pid)}), ready at ${service.spec.readyUrl} in ${seconds(performance.now() - started)}`);
  return service;
}

async function signUp(webUrl: string, label: string): Promise<{ cookie: string; userId: string }> {
  const res = await fetch(`${webUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: webUrl },
    body: JSON.stringify({
      name: `Bench ${label}`,
      email: `bench-${label}-${randomBytes(6).toString("hex")}@example.com`,
      password: randomBytes(18).toString("base64url"),
    }),
  });
  const body = (await jsonOf(res)) as { user?: { id?: string } } | undefined;
  if (!res.ok || !body?.user?.id) throw new Error(`sign-up failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers
    .getSetCookie()
    .map((setCookie) => setCookie.split(";", 1)[0])
    .join("; ");
  return { cookie, userId: body.user.id };
}

/** The exchange, over tRPC's HTTP protocol with superjson. */
async function workerToken(webUrl: string, cookie: string): Promise<string> {
  const res = await fetch(`${webUrl}/api/trpc/auth.workerToken`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: webUrl, cookie },
    body: JSON.stringify({ json: null }),
  });
  const body = (await jsonOf(res)) as { result?: { data?: { json?: { token?: string } } } } | undefined;
  const token = body?.result?.data?.json?.token;
  if (!res.ok || !token) throw new Error(`auth.workerToken failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return token;
}

async function fetchOk(url: string, headers: Headers): Promise<string> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text}`);
  return text;
}

async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

type Measured = LoadResult & { cpu: CpuShares };

async function load(url: string, headers: Headers, server: ChildService): Promise<Measured> {
  const { before, ...result } = await measureLoad(url, headers, () => sampleCpu(server.pid));
  return { ...result, cpu: cpuShares(before, sampleCpu(server.pid)) };
}

/** CPU seconds so far (Linux /proc; undefined elsewhere): this process, the server, and the whole machine's idle time. */
interface CpuSample {
  at: number;
  generator?: number;
  server?: number;
  idle?: number;
}

/** Shares of one core over the time between two samples; on n cores they add up to n × 100 % with other processes. */
type CpuShares = Omit<CpuSample, "at">;

function sampleCpu(serverPid: number | undefined): CpuSample {
  return { at: performance.now(), generator: processCpuSeconds(process.pid), server: processCpuSeconds(serverPid), idle: idleCpuSeconds() };
}

function cpuShares(before: CpuSample, after: CpuSample): CpuShares {
  const wall = (after.at - before.at) / 1000;
  const share = (key: keyof CpuShares) => {
    const [start, end] = [before[key], after[key]];
    return start === undefined || end === undefined ? undefined : (end - start) / wall;
  };
  return { generator: share("generator"), server: share("server"), idle: share("idle") };
}

function processCpuSeconds(pid: number | undefined): number | undefined {
  const stat = readProc(`/proc/${String(pid)}/stat`);
  if (stat === undefined) return undefined;
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function idleCpuSeconds(): number | undefined {
  // "cpu  user nice system idle iowait …", summed over all cores.
  const fields = readProc("/proc/stat")?.split("\n", 1)[0]?.trim().split(/\s+/);
  return fields ? (Number(fields[4]) + Number(fields[5])) / TICKS_PER_SECOND : undefined;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
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
      const status = await get(url, headers, agent);
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

function get(url: string, headers: Headers, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent }, (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      })
      .once("error", reject);
  });
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

/** Nearest-rank p50 and p99. */
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
}

function printReport({ workerLoad, bareLoad, direct, viaWeb, mints }: Report): void {
  const ratio = workerLoad.reqPerSec / bareLoad.reqPerSec;
  const overhead = viaWeb.p50 - direct.p50;
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  const loadRow = (label: string, run: Measured) => [
    label,
    `${Math.round(run.reqPerSec).toLocaleString("en")} req/s`,
    ms(run.p50),
    ms(run.p99),
    String(run.failed),
    [run.cpu.generator, run.cpu.server, run.cpu.idle].map(percent).join(" / "),
  ];
  const latencyRow = (label: string, run: LatencyResult) => [label, "", ms(run.p50), ms(run.p99), String(run.failed)];

  const cpu = os.cpus();
  console.log(`
Load (a, b): autocannon in this process, ${LOAD.connections} connections, pipelining 1, ${LOAD.warmupSeconds} s warm-up then ${LOAD.seconds} s;
  req/s is autocannon's average, p50/p99 over every 2xx response; the servers are separate processes.
Latency (d): 1 keep-alive connection, one call at a time, ${SEQUENTIAL.warmupMs / 1000} s warm-up then ${SEQUENTIAL.calls.toLocaleString("en")} calls each.
Tokens (e): ${MINT_CHECK.calls.toLocaleString("en")} calls of a new session, ${MINT_CHECK.concurrency} at a time; mints counted in the web tier's log.
CPU: % of one core (the machine has ${cpu.length * 100}%) used by the load generator (this process) / the server / left idle, during the measured ${LOAD.seconds} s.
`);
  console.log(
    table([
      ["Measurement", "Value", "p50", "p99", "Failed", "CPU gen / srv / idle", "Target", "Result"],
      loadRow("(a) worker GET /trpc/whoami", workerLoad),
      loadRow("(b) bare node:http, same body", bareLoad),
      ["(c) throughput a / b", ratio.toFixed(2), "", "", "", "", `≥ ${TARGET.ratio}`, verdict(ratio >= TARGET.ratio)],
      latencyRow("(d) web tier → worker whoami", viaWeb),
      latencyRow("    worker whoami direct", direct),
      ["    overhead p50 (web − direct)", ms(overhead), "", "", "", "", `≤ ${TARGET.overheadMs} ms`, verdict(overhead <= TARGET.overheadMs)],
      [
        `(e) tokens minted, ${MINT_CHECK.calls.toLocaleString("en")} web calls`,
        String(mints.count),
        "",
        "",
        String(mints.failed),
        "",
        `= ${TARGET.mints}`,
        verdict(mints.count === TARGET.mints),
      ],
    ]),
  );
  console.log(`\nMachine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown model"}, ${os.type()} ${os.release()}, Node ${process.version}`);
}

/** Plain-text columns, each as wide as its widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      widths
        .map((width, column) => (row[column] ?? "").padEnd(width))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function percent(share: number | undefined): string {
  return share === undefined ? "n/a" : `${Math.round(share * 100)}%`;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
