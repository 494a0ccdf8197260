/** The extraction threads the tests that ingest in their own process read documents on: the worker's, with one thread. */
import { createExtractPool, type ExtractPool } from "../../../src/worker/documents/extract-pool";

export function testExtractPool(options: { memoryMb?: number; timeoutMs?: number } = {}): ExtractPool {
  return createExtractPool({ threads: 1, memoryMb: options.memoryMb ?? 512, timeoutMs: options.timeoutMs ?? 120_000 });
}
