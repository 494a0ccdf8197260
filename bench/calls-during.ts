/**
 * How a worker answers while it works on something else: `whoami` called
 * one at a time over a keep-alive connection, a call started every
 * CALL_EVERY_MS (or as soon as the one before answered, if it took longer),
 * for as long as `work` runs. A user's page makes calls at such a pace; a
 * tight loop would instead compete with the work for the machine's cores.
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import type { Headers } from "../tooling/app-client";
import { percentile } from "../tooling/percentiles";
import { get } from "./client";

export const CALL_EVERY_MS = 20;

export interface CallsDuring {
  calls: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export async function callsDuring<T>(
  url: string,
  headers: Headers,
  work: () => Promise<T>,
): Promise<{ result: T; calls: CallsDuring }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failed = 0;
  let done = false;
  const calling = (async () => {
    while (!done) {
      const begin = performance.now();
      try {
        if ((await get(url, headers, agent)).status !== 200) failed++;
      } catch {
        failed++;
      }
      const took = performance.now() - begin;
      latencies.push(took);
      if (took < CALL_EVERY_MS) await sleep(CALL_EVERY_MS - took);
    }
  })();
  try {
    return { result: await work(), calls: summary(latencies, failed) };
  } finally {
    done = true;
    await calling;
    agent.destroy();
  }
}

function summary(latencies: number[], failed: number): CallsDuring {
  return {
    calls: latencies.length,
    failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length ? Math.max(...latencies) : Number.NaN,
  };
}
