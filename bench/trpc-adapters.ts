/**
 * `npx tsx bench/trpc-adapters.ts`: `whoami` through the worker's hand-written
 * tRPC adapter (src/worker/trpc-http.ts) next to tRPC's own standalone adapter
 * (`createHTTPHandler`) and a bare node:http server answering the same JSON.
 * The same router, context and token for both adapters; each server runs in
 * a child process of its own, so autocannon (here) does not share its event
 * loop. Runs are interleaved; everything started is stopped, within 5 minutes.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";

import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import autocannon from "autocannon";
import type { JSONWebKeySet } from "jose";

import { createLogger } from "../src/lib/logger";
import { workerRouter } from "../src/worker/router";
import { TRPC_PREFIX } from "../src/worker/server";
import { createTestSigner } from "../src/worker/test-signer";
import { createTRPCNodeHandler } from "../src/worker/trpc-http";
import type { WorkerContext } from "../src/worker/trpc";
import { createTokenVerifier } from "../src/worker/verify";

const LOAD = { connections: 50, warmupSeconds: 3, seconds: 10 };
/** Each round runs every server once; the second round runs them in reverse. */
const ROUNDS = 2;
const DEADLINE_MS = 5 * 60_000;
const ISSUER = "http://localhost:3000";
const KID = "bench-key";

const SERVERS = ["bare", "ours", "standalone"] as const;
type Kind = (typeof SERVERS)[number];
const LABELS: Record<Kind, string> = {
  bare: "bare node:http, same JSON",
  ours: "ours (src/worker/trpc-http.ts)",
  standalone: "tRPC createHTTPHandler",
};

if (process.argv[2] === "serve") serve(process.argv[3] as Kind);
else await main();

/** Child: one server on a free port; tells the parent the port, exits when the parent goes. */
function serve(kind: Kind): void {
  const jwks = JSON.parse(process.env.BENCH_JWKS!) as JSONWebKeySet;
  const verifier = createTokenVerifier({ issuer: ISSUER, jwks });
  const log = createLogger("worker", "silent");
  const context = (req: IncomingMessage): WorkerContext => {
    const requestId = randomUUID();
    return { requestId, log: log.child({ requestId }), authorization: req.headers.authorization, verifier };
  };

  let listener: RequestListener;
  if (kind === "bare") {
    const payload: unknown = JSON.parse(process.env.BENCH_BODY!);
    listener = (_req, res) => {
      const body = JSON.stringify(payload);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    };
  } else if (kind === "ours") {
    // As src/worker/server.ts calls it, without its request log and CORS.
    const trpc = createTRPCNodeHandler({ router: workerRouter });
    listener = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://worker");
      void trpc(req, res, decodeURIComponent(url.pathname.slice(TRPC_PREFIX.length)), url.searchParams, context(req));
    };
  } else {
    listener = createHTTPHandler({ router: workerRouter, basePath: TRPC_PREFIX, createContext: ({ req }) => context(req) });
  }
  const server = createServer(listener).listen(0, "127.0.0.1", () => process.send!((server.address() as AddressInfo).port));
  process.on("disconnect", () => process.exit(0));
}

interface Run {
  kind: Kind;
  reqPerSec: number;
  p50: number;
  p99: number;
  failed: number;
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((child) => child.kill());
  const deadline = setTimeout(() => {
    console.error(`not done after ${DEADLINE_MS / 60_000} minutes: stopping`);
    stopAll();
    process.exit(1);
  }, DEADLINE_MS);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stopAll();
      process.exit(130);
    });
  }

  const start = (kind: Kind, env: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), ["serve", kind], {
        execArgv: ["--import", "tsx"],
        env: { ...process.env, NODE_ENV: "production", ...env },
      });
      children.push(child);
      child.once("message", (port) => resolve(`http://127.0.0.1:${String(port)}${TRPC_PREFIX}whoami`));
      child.once("exit", (code) => reject(new Error(`${kind} server exited (${String(code)}) before it was ready`)));
    });

  try {
    const signer = await createTestSigner({ issuer: ISSUER, kid: KID });
    const jwks = JSON.stringify(signer.jwks);
    const token = await signer.mint({ sub: "user_bench", sid: "session_bench", email: "bench@example.com", name: "Bench", jti: randomUUID() });
    const headers = { authorization: `Bearer ${token}` };

    const ours = await start("ours", { BENCH_JWKS: jwks });
    const standalone = await start("standalone", { BENCH_JWKS: jwks });
    const body = await (await fetch(ours, { headers })).text();
    const bare = await start("bare", { BENCH_JWKS: jwks, BENCH_BODY: body });
    const urls: Record<Kind, string> = { bare, ours, standalone };
    for (const kind of SERVERS) {
      const answer = await fetch(urls[kind], { headers });
      const text = await answer.text();
      if (answer.status !== 200 || text !== body) throw new Error(`${kind} answered ${answer.status} ${text}, not ${body}`);
    }

    const runs: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
      for (const kind of order) {
        process.stdout.write(`round ${round + 1}: ${kind}… `);
        runs.push({ kind, ...(await load(urls[kind], headers)) });
        console.log(`${Math.round(runs.at(-1)!.reqPerSec)} req/s`);
      }
    }
    report(runs);
  } finally {
    clearTimeout(deadline);
    stopAll();
  }
}

async function load(url: string, headers: Record<string, string>): Promise<Omit<Run, "kind">> {
  const options = { url, headers, connections: LOAD.connections };
  await autocannon({ ...options, duration: LOAD.warmupSeconds });
  // autocannon's histogram keeps whole milliseconds; keep each response's own time.
  const latencies: number[] = [];
  const run = autocannon({ ...options, duration: LOAD.seconds });
  run.on("response", (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await run;
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { reqPerSec: result.requests.average, p50: at(50), p99: at(99), failed: result.non2xx + result.errors };
}

function report(runs: Run[]): void {
  const mean = (kind: Kind, key: "reqPerSec" | "p50" | "p99") => {
    const own = runs.filter((run) => run.kind === kind);
    return own.reduce((sum, run) => sum + run[key], 0) / own.length;
  };
  const bare = mean("bare", "reqPerSec");
  const cpu = os.cpus();
  console.log(
    `\nGET /trpc/whoami, valid token; autocannon ${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up + ${LOAD.seconds} s, ` +
      `${ROUNDS} interleaved rounds (mean shown); p50/p99 over every 200.`,
  );
  console.log(`${"server".padEnd(32)}${"req/s".padStart(9)}${"p50".padStart(10)}${"p99".padStart(10)}${"failed".padStart(8)}${"÷ bare".padStart(8)}`);
  for (const kind of SERVERS) {
    const failed = runs.filter((run) => run.kind === kind).reduce((sum, run) => sum + run.failed, 0);
    console.log(
      LABELS[kind].padEnd(32) +
        Math.round(mean(kind, "reqPerSec")).toLocaleString("en").padStart(9) +
        `${mean(kind, "p50").toFixed(2)} ms`.padStart(10) +
        `${mean(kind, "p99").toFixed(2)} ms`.padStart(10) +
        String(failed).padStart(8) +
        (mean(kind, "reqPerSec") / bare).toFixed(2).padStart(8),
    );
  }
  const ratio = mean("standalone", "reqPerSec") / mean("ours", "reqPerSec");
  console.log(`standalone ÷ ours: ${ratio.toFixed(2)}`);
  console.log(`Machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown"}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`);
}
