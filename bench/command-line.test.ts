import { spawnSync } from "node:child_process";

import { describe, expect, it } from "vitest";

import { PROJECT_ROOT } from "../tooling/build-output";

// Each script as `npm run <script> -- …` runs it (package.json): they parse
// their command line before starting anything, so these runs start no server.
const SCRIPTS = {
  bench: "bench/bench.ts",
  "bench:security": "bench/security.ts",
  "bench:search-quality": "bench/search-quality.ts",
  "bench:reset-timing": "bench/reset-timing.ts",
  load: "load/load.ts",
};

function run(file: string, ...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", file, ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
}

// A tsx start-up each, which takes seconds on a busy machine.
describe.each(Object.entries(SCRIPTS))("npm run %s", { timeout: 120_000 }, (script, file) => {
  it("--help prints the options and exits 0", () => {
    const child = run(file, "--help");
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(new RegExp(`^npm run ${script} -- \\[options\\]\\n`));
    expect(child.stdout).toContain("--help");
  });

  it("an unknown option: one line saying so, then the options, exit 2, no stack trace", () => {
    const child = run(file, "--no-such-option");
    expect(child.status).toBe(2);
    const [first, blank, usage] = child.stderr.split("\n");
    expect(first).toMatch(/Unknown option '--no-such-option'/);
    expect([blank, usage]).toEqual(["", `npm run ${script} -- [options]`]);
    expect(child.stderr).not.toMatch(/^\s+at /m);
  });
});
