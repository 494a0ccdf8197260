import { afterAll, beforeAll, expect, test } from "vitest";

import { parseLoadArgs } from "../../load/options";
import { runAndReport } from "../../load/run";
import { startStack, type Stack } from "./stack";

// The flat-memory check of `npm run load -- --soak`, short enough for every
// CI run: about 3 minutes (sign-ups, 30 s of warm-up, 2 minutes measured).
// The 10-minute soak is `npm run load -- --soak`; this one catches a leak
// that shows within minutes at a steady load, such as a cache that keeps
// every session or request it sees.
const SHORT_SOAK = [
  "--soak",
  "--users",
  "50",
  "--rate",
  "25",
  "--churn-every",
  "60",
  "--warmup",
  "30",
  "--seconds",
  "120",
  "--sample-every",
  "10",
];

let stack: Stack;

beforeAll(async () => {
  // As behind one proxy: each simulated user has an X-Forwarded-For of its own, as in `npm run load`.
  stack = await startStack("memory", { webEnv: { TRUSTED_PROXY_HOPS: "1" }, inspect: true });
});

afterAll(async () => {
  await stack?.stop();
});

test(
  "at a steady load, neither process's heap after GC grows more than 10 % after the warm-up, and every answer is a 2xx",
  { timeout: 300_000 },
  async () => {
    const options = parseLoadArgs(SHORT_SOAK);
    if (options === "help") throw new Error("unreachable: no --help given");
    const { run, growth, unexpected } = await runAndReport(stack, options);

    expect(unexpected).toEqual([]);
    expect(run.measured.requests).toBeGreaterThan(0);
    expect(growth.map(({ process }) => process)).toEqual(["web", "worker"]);
    for (const row of growth)
      expect(row, `${row.process}: ${row.problem ?? `${row.percent.toFixed(1)} %`}`).toMatchObject({ pass: true });
  },
);
