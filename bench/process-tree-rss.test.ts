import { spawn } from "node:child_process";
import { once } from "node:events";

import { describe, expect, it } from "vitest";

import { descendantsOf, treeRssDuring } from "./process-tree-rss";

describe("process tree RSS", () => {
  it("finds a grandchild, and sums its memory with its parents'", async () => {
    // A shell that starts a sleep: this process's child and grandchild.
    const shell = spawn("sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
    let grandchildren: number[] = [];
    try {
      for (let tries = 0; tries < 50 && grandchildren.length === 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        grandchildren = descendantsOf(shell.pid!);
      }
      expect(grandchildren).toHaveLength(1);
      expect(descendantsOf(process.pid)).toEqual(expect.arrayContaining([shell.pid, grandchildren[0]]));

      const { rss } = await treeRssDuring(shell.pid, () => new Promise((resolve) => setTimeout(resolve, 250)));
      expect(rss.samples).toBeGreaterThan(1);
      expect(rss.processesAtPeak).toBe(2);
      // The sum holds the grandchild's memory as well as the shell's.
      expect(rss.peak).toBeGreaterThan(rss.rootPeak ?? 0);
      expect(rss.childPeak).toBeGreaterThan(0);
    } finally {
      for (const pid of grandchildren) process.kill(pid, "SIGKILL");
      shell.kill("SIGKILL");
      await once(shell, "exit");
    }
  });
});
