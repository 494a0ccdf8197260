import { describe, expect, test } from "vitest";

import { parseLoadArgs, UsageError } from "./options";

describe("parseLoadArgs", () => {
  test("defaults: 200 users as fast as they can, 10 s warm-up, 60 s measured, no faults", () => {
    expect(parseLoadArgs([])).toMatchObject({
      users: 200,
      seconds: 60,
      warmupSeconds: 10,
      rate: undefined,
      workers: 1,
      faults: [],
      churnEverySeconds: 300,
      soak: false,
      sampleEverySeconds: 4,
      postgres: undefined,
    });
  });

  test("--overload: a cold burst, keys rotating and users signed out every 10 s, churn, a 5 s client timeout", () => {
    expect(parseLoadArgs([])).toMatchObject({ burst: false, overload: false, requestTimeoutSeconds: 10 });
    expect(parseLoadArgs(["--overload"])).toMatchObject({
      overload: true,
      burst: true,
      faults: ["rotate-keys", "sign-out"],
      faultEverySeconds: 10,
      churnEverySeconds: 30,
      requestTimeoutSeconds: 5,
    });
    expect(parseLoadArgs(["--overload", "--faults", "kill-worker"])).toMatchObject({ faults: ["kill-worker"] });
    expect(parseLoadArgs(["--burst"])).toMatchObject({ burst: true, overload: false, faults: [] });
    expect(() => parseLoadArgs(["--overload", "--soak"])).toThrow(UsageError);
  });

  test("--soak: 10 minutes at a steady 50 requests/s after a minute's warm-up, unless told otherwise", () => {
    expect(parseLoadArgs(["--soak"])).toMatchObject({
      soak: true,
      seconds: 600,
      warmupSeconds: 60,
      rate: 50,
      maxGrowthPercent: 10,
      sampleEverySeconds: 33,
    });
    expect(parseLoadArgs(["--soak", "--rate", "20", "--seconds", "120", "--max-growth", "5"])).toMatchObject({
      rate: 20,
      seconds: 120,
      maxGrowthPercent: 5,
    });
  });

  test("faults as a comma-separated list, each once; --no-build is accepted for the build step", () => {
    expect(parseLoadArgs(["--faults", "sign-out, kill-worker,sign-out", "--no-build"])).toMatchObject({
      faults: ["sign-out", "kill-worker"],
    });
  });

  test("refuses what it cannot do", () => {
    expect(() => parseLoadArgs(["--faults", "unplug"])).toThrow(UsageError);
    expect(() => parseLoadArgs(["--users", "many"])).toThrow(/--users: "many" is not a positive number/);
    expect(() => parseLoadArgs(["--rate", "0"])).toThrow(/--rate/);
    expect(() => parseLoadArgs(["--userz", "3"])).toThrow(UsageError);
    // A restarted worker's heap starts again: no growth to judge.
    expect(() => parseLoadArgs(["--soak", "--faults", "kill-worker"])).toThrow(/cannot be combined/);
  });

  test("--help", () => {
    expect(parseLoadArgs(["--help"])).toBe("help");
  });
});
