import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, beforeEach, expect, it, vi } from "vitest";

import { runProcesses } from "./run-processes";

// A long-running process that exits as Next.js does on SIGTERM (143), and one
// that fails on its first run and exits cleanly on its second.
const LONG_RUNNING = "process.on('SIGTERM', () => process.exit(143)); setInterval(() => {}, 1000);";
const FAILS_ONCE = (marker: string) =>
  `const fs = require('node:fs'); if (fs.existsSync(${JSON.stringify(marker)})) process.exit(0); fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(3);`;

let dir: string;
let logged: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "run-processes-"));
  logged = [];
  vi.spyOn(console, "error").mockImplementation((line: string) => void logged.push(line));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

it("restarts a process that fails, and stops the other once one exits cleanly, without restarting it", async () => {
  const code = await runProcesses("test", [
    { name: "web", args: ["-e", LONG_RUNNING] },
    { name: "worker", args: ["-e", FAILS_ONCE(path.join(dir, "ran-once"))] },
  ]);

  expect(code).toBe(0);
  expect(logged).toEqual([
    "test: worker exited with code 3; starting it again in 1 s",
    "test: worker exited with code 0; stopping the others",
    "test: web exited with code 143",
  ]);
});

it("passes each process its environment and arguments with spaces intact", async () => {
  const script = `process.exit(process.env.GREETING === "hello world" && process.argv[1] === "an argument" ? 0 : 5)`;
  expect(
    await runProcesses("test", [
      { name: "checker", args: ["-e", script, "an argument"], env: { GREETING: "hello world" } },
    ]),
  ).toBe(0);
  expect(logged).toEqual(["test: checker exited with code 0; stopping the others"]);
});

it("takes a process ended by SIGINT (Ctrl-C reaching it before this process) for a stop, not a crash", async () => {
  const code = await runProcesses("test", [
    { name: "web", args: ["-e", LONG_RUNNING] },
    { name: "worker", args: ["-e", "process.kill(process.pid, 'SIGINT')"] },
  ]);

  expect(code).toBe(0);
  expect(logged).toEqual(["test: worker exited on SIGINT; stopping the others", "test: web exited with code 143"]);
});
