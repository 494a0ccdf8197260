/**
 * `npx tsx bench/trpc-adapters.ts`: `whoami` through the worker's hand-written
 * tRPC adapter (src/worker/trpc-http.ts) next to tRPC's own standalone adapter
 * (`createHTTPHandler`) and a bare node:http server answering the same JSON.
 * The same router, context and token for both adapters; each server runs in
 * a child process of its own (this file, `serve <kind>`; bench/bare-server.ts
 * for the bare one), so autocannon (here) does not share its event loop. Runs
 * are interleaved; everything started is stopped, within 5 minutes.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { JSONWebKeySet } from "jose";

import { createLogger } from "~/worker/logger";
import { workerRouter } from "~/worker/router";
import { TRPC_PREFIX } from "~/worker/server";
import { createTestSigner } from "../tests/support/worker/token-signer";
import { createTRPCNodeHandler } from "~/worker/trpc-http";
import { createWorkerContext } from "~/worker/trpc";
import { createTokenVerifier } from "~/worker/verify";
import { ChildService, freePorts } from "../tooling/child-service";
import { LOAD, measureLoad, type LoadResult } from "./load";
import { noRevocations } from "../tests/support/worker/no-revocations";

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

if (process.argv[2] === "serve") serve(process.argv[3] as Exclude<Kind, "bare">);
else await main();

/** Child: one adapter's server on $BENCH_PORT, ready when GET /ready answers 200. */
function serve(kind: Exclude<Kind, "bare">): void {
  const jwks = JSON.parse(process.env.BENCH_JWKS!) as JSONWebKeySet;
  const verifier = createTokenVerifier({ issuer: ISSUER, jwks });
  const log = createLogger("silent");
  const context = (req: IncomingMessage) =>
    createWorkerContext(req, { requestId: randomUUID(), logger: log, verifier, revocation: noRevocations() });

  let listener: RequestListener;
  if (kind === "ours") {
    // As src/worker/server.ts calls it, without its request log and CORS.
    const trpc = createTRPCNodeHandler({ router: workerRouter });
    listener = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://worker");
      void trpc(req, res, decodeURIComponent(url.pathname.slice(TRPC_PREFIX.length)), url.searchParams, context(req));
    };
  } else {
    listener = createHTTPHandler({
      router: workerRouter,
      basePath: TRPC_PREFIX,
      createContext: ({ req }) => context(req),
    });
  }
  createServer((req, res) => (req.url === "/ready" ? res.end() : listener(req, res))).listen(
    Number(process.env.BENCH_PORT),
    "127.0.0.1",
  );
  process.on("SIGTERM", () => process.exit(0));
}

type Run = LoadResult & { kind: Kind };

async function main(): Promise<void> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), "bench-adapters-"));
  const started: ChildService[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((service) => service.stop()));
    rmSync(logDir, { recursive: true, force: true });
  };
  const deadline = setTimeout(() => {
    console.error(`not done after ${DEADLINE_MS / 60_000} minutes: stopping`);
    void stopAll().then(() => process.exit(1));
  }, DEADLINE_MS);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(130)));
  }

  const start = async (kind: Kind, env: Record<string, string>) => {
    const [port] = await freePorts(1);
    const url = `http://127.0.0.1:${port}`;
    const service = new ChildService({
      name: kind,
      args: [
        "--import",
        "tsx",
        ...(kind === "bare" ? ["bench/bare-server.ts"] : [fileURLToPath(import.meta.url), "serve", kind]),
      ],
      env: { NODE_ENV: "production", BENCH_PORT: String(port), ...env },
      readyUrl: kind === "bare" ? url : `${url}/ready`,
      logFile: path.join(logDir, `${kind}.log`),
    });
    started.push(service);
    await service.start();
    return `${url}${TRPC_PREFIX}whoami`;
  };

  try {
    const signer = await createTestSigner({ issuer: ISSUER, kid: KID });
    const jwks = JSON.stringify(signer.jwks);
    const token = await signer.mint({
      sub: "user_bench",
      sid: "session_bench",
      email: "bench@example.com",
      name: "Bench",
      jti: randomUUID(),
    });
    const headers = { authorization: `Bearer ${token}` };

    const ours = await start("ours", { BENCH_JWKS: jwks });
    const standalone = await start("standalone", { BENCH_JWKS: jwks });
    const body = await (await fetch(ours, { headers })).text();
    const bare = await start("bare", { BENCH_BARE_BODY: body });
    const urls: Record<Kind, string> = { bare, ours, standalone };
    for (const kind of SERVERS) {
      const answer = await fetch(urls[kind], { headers });
      const text = await answer.text();
      if (answer.status !== 200 || text !== body)
        throw new Error(`${kind} answered ${answer.status} ${text}, not ${body}`);
    }

    const runs: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
      for (const kind of order) {
        process.stdout.write(`round ${round + 1}: ${kind}… `);
        runs.push({ kind, ...(await measureLoad(urls[kind], headers)) });
        console.log(`${Math.round(runs.at(-1)!.reqPerSec)} req/s`);
      }
    }
    report(runs);
  } finally {
    clearTimeout(deadline);
    await stopAll();
  }
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
  console.log(
    `${"server".padEnd(32)}${"req/s".padStart(9)}${"p50".padStart(10)}${"p99".padStart(10)}${"failed".padStart(8)}${"÷ bare".padStart(8)}`,
  );
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
  console.log(
    `Machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown"}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
}
