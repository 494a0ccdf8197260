/**
 * Rows (l) and (m): how long the production worker takes from spawn to its
 * first `/readyz` 200, and what it holds in memory once ready and idle —
 * started as `npm start` and the image start it (WORKER_NODE_ARGS,
 * source maps on). Several starts, each a fresh process on a port of its
 * own; `/readyz` is polled every few milliseconds so the poll does not set
 * the resolution. CPU time to ready is printed too: on a busy machine the
 * wall time waits for cores, the CPU time does not.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { rssOf } from "../load/memory";
import { PROJECT_ROOT, WORKER_NODE_ARGS } from "../tooling/build-output";
import { freePorts, tailOf } from "../tooling/child-service";
import { percentiles } from "../tooling/percentiles";
import { processCpuSeconds } from "./cpu";
import { mb, table, verdict } from "./table";
import { TARGETS } from "./targets";

/** Idle this long after ready before RSS is read: the background work a start queues (re-indexing check, first polls) is done by then. */
const SETTLE_MS = 2_000;
const POLL_MS = 5;

export interface WorkerStartRun {
  readyMs: number;
  cpuMs?: number;
  idleRss?: number;
}

/**
 * Starts the built worker `runs` times, one at a time, with `env` (its
 * database and keys) and measures each start. Throws with the log's end if
 * one is not ready within 30 s.
 */
export async function measureWorkerStart(
  env: Record<string, string>,
  logFile: string,
  { runs = 5, args = WORKER_NODE_ARGS }: { runs?: number; args?: readonly string[] } = {},
): Promise<WorkerStartRun[]> {
  const results: WorkerStartRun[] = [];
  for (let run = 0; run < runs; run++) {
    const [port] = await freePorts(1);
    const fd = openSync(logFile, "a");
    const begin = performance.now();
    const child = spawn(process.execPath, [...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: "production", ...env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`the worker exited before it was ready:\n${await tailOf(logFile)}`);
        if (performance.now() - begin > 30_000)
          throw new Error(`the worker was not ready in 30 s:\n${await tailOf(logFile)}`);
        const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) break;
        await sleep(POLL_MS);
      }
      const readyMs = performance.now() - begin;
      const cpu = processCpuSeconds(child.pid);
      await sleep(SETTLE_MS);
      results.push({ readyMs, cpuMs: cpu === undefined ? undefined : cpu * 1000, idleRss: rssOf(child.pid!) });
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }
  return results;
}

export function printWorkerStartReport(runs: WorkerStartRun[], args: readonly string[] = WORKER_NODE_ARGS): void {
  const ready = percentiles(runs.map((run) => run.readyMs));
  const cpu = runs.every((run) => run.cpuMs !== undefined) ? percentiles(runs.map((run) => run.cpuMs!)) : undefined;
  const rss = runs.map((run) => run.idleRss).filter((value): value is number => value !== undefined);
  const rssMedian = rss.length ? percentiles(rss).p50 : undefined;
  const ms = (value: number) => `${Math.round(value)} ms`;
  console.log(`\nWorker start: ${runs.length} starts of \`node ${args.join(" ")}\``);
  console.log(
    table([
      ["row", "median", "fastest", "target", ""],
      [
        "(l) worker ready, spawn → /readyz 200",
        ms(ready.p50),
        ms(Math.min(...runs.map((run) => run.readyMs))),
        `< ${TARGETS.workerReadyMs} ms`,
        verdict(ready.p50 < TARGETS.workerReadyMs),
      ],
      [
        "    its CPU time (user + system)",
        cpu ? ms(cpu.p50) : "n/a",
        cpu ? ms(Math.min(...runs.map((run) => run.cpuMs!))) : "",
      ],
      [
        `(m) worker RSS, idle ${SETTLE_MS / 1000} s after ready`,
        rssMedian === undefined ? "n/a" : mb(rssMedian),
        rss.length ? mb(Math.min(...rss)) : "",
        `≤ ${TARGETS.workerIdleRssMb} MB`,
        rssMedian === undefined ? "n/a" : verdict(rssMedian <= TARGETS.workerIdleRssMb * 1024 * 1024),
      ],
    ]),
  );
}
