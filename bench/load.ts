/**
 * One throughput measurement, the same in every bench script: autocannon at
 * LOAD against one URL, a warm-up first, then the measured run.
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import autocannon from "autocannon";

import { get } from "./client";
import { percentiles } from "../tooling/percentiles";

export const LOAD = { connections: 50, warmupSeconds: 3, seconds: 10 };

export interface LoadResult {
  reqPerSec: number;
  /** Milliseconds, over every 2xx response of the measured run. */
  p50: number;
  p99: number;
  /** Non-2xx answers and connection errors. */
  failed: number;
}

/**
 * Warms `url` up, then measures it. `measuring` is called between the two
 * and its result handed back with the numbers: e.g. a CPU sample taken just
 * before the measured run, to be set against one taken after it.
 */
export async function measureLoad<T = undefined>(
  url: string,
  headers: Record<string, string>,
  measuring: () => T = () => undefined as T,
): Promise<LoadResult & { before: T }> {
  const options = { url, headers, connections: LOAD.connections };
  await autocannon({ ...options, duration: LOAD.warmupSeconds });
  const before = measuring();
  const run = autocannon({ ...options, duration: LOAD.seconds });
  // autocannon's own histogram keeps whole milliseconds, too coarse below 1 ms.
  const latencies: number[] = [];
  run.on("response", (_client, status, _bytes, responseTimeMs) => {
    if (status >= 200 && status < 300) latencies.push(responseTimeMs);
  });
  const result = await run;
  return {
    reqPerSec: result.requests.average,
    ...percentiles(latencies),
    failed: result.non2xx + result.errors,
    before,
  };
}

/**
 * `url` at a steady `rate` (requests per second) for LOAD.seconds after a
 * warm-up at the same rate: request n leaves at n / rate seconds whether or
 * not earlier ones have answered (an open loop, as independent users
 * arrive), so a slow answer shows in the latencies instead of slowing the
 * load down. autocannon's overallRate sends each second's requests in a
 * burst, which measures the burst rather than the rate.
 */
export async function measurePaced<T = undefined>(
  url: string,
  headers: Record<string, string>,
  rate: number,
  measuring: () => T = () => undefined as T,
): Promise<LoadResult & { before: T }> {
  const agent = new http.Agent({ keepAlive: true });
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let failed = 0;
    const calls: Promise<void>[] = [];
    const begin = performance.now();
    for (let n = 0; n < seconds * rate; n++) {
      const wait = begin + (n * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = performance.now();
      calls.push(
        get(url, headers, agent).then(
          ({ status }) => {
            if (status >= 200 && status < 300) latencies.push(performance.now() - sent);
            else failed++;
          },
          () => {
            failed++;
          },
        ),
      );
    }
    await Promise.all(calls);
    return { latencies, failed, wallSeconds: (performance.now() - begin) / 1000 };
  };
  try {
    await run(LOAD.warmupSeconds);
    const before = measuring();
    const { latencies, failed, wallSeconds } = await run(LOAD.seconds);
    return { reqPerSec: latencies.length / wallSeconds, ...percentiles(latencies), failed, before };
  } finally {
    agent.destroy();
  }
}
