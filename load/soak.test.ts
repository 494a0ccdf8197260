import { describe, expect, test } from "vitest";

import type { MemorySample } from "./memory";
import { heapGrowth, median } from "./soak";

const MB = 1024 * 1024;

/** One sample a second; `heaps` in MB per process, undefined for a failed reading. */
function series(
  heaps: Record<string, (number | undefined)[]>,
  { warmup = 0, pid = () => 1 }: { warmup?: number; pid?: (index: number) => number } = {},
): MemorySample[] {
  const length = Math.max(...Object.values(heaps).map((values) => values.length));
  return Array.from({ length }, (_, index) => ({
    at: index * 1000,
    phase: index >= warmup ? ("measured" as const) : ("warm-up" as const),
    inFlight: 0,
    readings: Object.entries(heaps).map(([process, values]) => ({
      process,
      pid: pid(index),
      heapAfterGc: values[index] === undefined ? undefined : values[index] * MB,
      rss: 100 * MB,
      error: values[index] === undefined ? "not running" : undefined,
    })),
  }));
}

describe("heapGrowth", () => {
  test("compares the medians of the first and last thirds of the measured readings, warm-up left out", () => {
    // Warm-up 20 → 40 MB, then flat around 40 with one outlier at each end.
    const [web] = heapGrowth(series({ web: [20, 30, 40, 40, 60, 40, 41, 40, 41, 42, 80, 42] }, { warmup: 3 }), 10);
    expect(web).toMatchObject({ process: "web", samples: 9, start: 40 * MB, end: 42 * MB, pass: true });
    expect(web!.percent).toBeCloseTo(5, 5);
  });

  test("fails a process whose heap keeps growing past the limit, and only that one", () => {
    const growth = heapGrowth(series({ web: [40, 42, 44, 46, 48, 50], worker: [10, 10, 10, 10, 10, 10] }), 10);
    expect(growth.map(({ process, pass }) => [process, pass])).toEqual([
      ["web", false],
      ["worker", true],
    ]);
    // First third 40, 42 → 41; last third 48, 50 → 49.
    expect(growth[0]!.percent).toBeCloseTo((8 / 41) * 100, 5);
  });

  test("gives no pass when readings failed, the process restarted, or there are too few readings", () => {
    expect(heapGrowth(series({ worker: [10, undefined, 10, 10] }), 10)[0]).toMatchObject({
      pass: false,
      problem: "1 of 4 readings failed",
    });
    expect(
      heapGrowth(series({ worker: [10, 10, 10, 10] }, { pid: (index) => (index < 2 ? 1 : 2) }), 10)[0],
    ).toMatchObject({
      pass: false,
      problem: "restarted during the measured time",
    });
    expect(heapGrowth(series({ worker: [10, 10, 10] }, { warmup: 1 }), 10)[0]).toMatchObject({
      pass: false,
      problem: "2 readings after the warm-up, 3 needed",
    });
  });

  test("the warm-up and the idle reading after the load are not compared", () => {
    const samples = series({ web: [10, 40, 40, 40, 40] }, { warmup: 1 });
    samples.push({
      at: 5000,
      phase: "idle after",
      inFlight: 0,
      readings: [{ process: "web", pid: 1, heapAfterGc: 90 * MB }],
    });
    expect(heapGrowth(samples, 10)[0]).toMatchObject({ samples: 4, start: 40 * MB, end: 40 * MB, pass: true });
  });

  test("shrinking passes", () => {
    expect(heapGrowth(series({ web: [50, 50, 45, 45, 40, 40] }), 10)[0]).toMatchObject({
      pass: true,
      start: 50 * MB,
      end: 40 * MB,
    });
  });
});

test("median", () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
