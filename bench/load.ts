/**
 * One throughput measurement, the same in every bench script: autocannon at
 * LOAD against one URL, a warm-up first, then the measured run.
 */
import autocannon from "autocannon";
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
 * `overallRate` (requests per second, all connections together) holds the
 * load at that rate instead of as fast as the server answers.
 */
export async function measureLoad<T = undefined>(
  url: string,
  headers: Record<string, string>,
  measuring: () => T = () => undefined as T,
  { overallRate }: { overallRate?: number } = {},
): Promise<LoadResult & { before: T }> {
  const options = { url, headers, connections: LOAD.connections, ...(overallRate ? { overallRate } : {}) };
  await autocannon({ ...options, duration: LOAD.warmupSeconds });
  const before = measuring();
  const run = autocannon({ ...options, duration: LOAD.seconds });
  // autocannon's own histogram keeps whole milliseconds, too coarse below 1 ms.
  const latencies: number[] = [];
  run.on("response", (_client, status, _bytes, responseTimeMs) => {
    if (status >= 200 && status < 300) latencies.push(responseTimeMs);
  });
  const result = await run;
  return { reqPerSec: result.requests.average, ...percentiles(latencies), failed: result.non2xx + result.errors, before };
}

