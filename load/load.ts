/**
 * `npm run load`: many users on the production build for a bounded time —
 * pages, worker calls through the web tier and straight to the workers,
 * sign-out and sign-in churn — with optional faults, printing what they got
 * per endpoint and each process's memory over time. With --soak it is the
 * flat-memory check: exit 1 when a process's heap after GC grows by more
 * than --max-growth % over the measured time. Starts its own stack (a fresh
 * database, the web tier and the workers on free ports; see bench/stack.ts)
 * and stops it at the end.
 *
 *   npm run load                                   # 200 users, 10 s warm-up, 60 s
 *   npm run load -- --no-build --users 50 --seconds 30 --faults kill-worker,rotate-keys,sign-out
 *   npm run load -- --no-build --soak --postgres postgresql://postgres@127.0.0.1:5432/postgres
 *                                                  # 10 minutes at 50 requests/s
 */
import { runBench, startStack } from "../bench/stack";
import { faultWebEnv } from "./faults";
import { parseLoadArgs, USAGE, UsageError, type LoadOptions } from "./options";
import { runAndReport } from "./run";

let options: LoadOptions;
try {
  const parsed = parseLoadArgs(process.argv.slice(2));
  if (parsed === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}

await runBench(async () => {
  const stack = await startStack({
    // This process plays the proxy in front of the web tier: each user has an
    // X-Forwarded-For of its own, so the per-IP sign-up limit counts them apart.
    web: { TRUSTED_PROXY_HOPS: "1", ...faultWebEnv(options) },
    workers: Array.from({ length: options.workers }, () => ({})),
    inspect: true,
    databaseServer: options.postgres,
  });
  const { growth, unexpected } = await runAndReport(stack, options);
  const soakFailed = options.soak && growth.some((row) => !row.pass);
  if (options.soak)
    console.log(
      `\nFlat memory (heap after GC grows ≤ ${options.maxGrowthPercent} % after the warm-up): ${soakFailed ? "FAIL" : "PASS"}`,
    );
  return soakFailed || unexpected.length > 0 ? 1 : 0;
});
