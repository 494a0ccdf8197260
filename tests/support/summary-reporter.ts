import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends every run with one plain "N passed, N failed, N skipped" line, the
 * format CI reads, after Vitest's own report. A module that failed to load,
 * or whose beforeAll threw, counts as a failure: a broken file can't pass as
 * "0 failed".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]) {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const testModule of testModules) {
      const tests = [...testModule.children.allTests()];
      // A module that failed with no failed test of its own (it did not load,
      // or a beforeAll threw and its tests were skipped) is a failure too.
      if (testModule.state() === "failed" && !tests.some((test) => test.result().state === "failed"))
        counts.failed += 1;
      for (const test of tests) {
        const state = test.result().state;
        if (state === "passed") counts.passed += 1;
        else if (state === "failed") counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
