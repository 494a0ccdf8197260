import type { ChildProcess } from "node:child_process";

export interface Supervised {
  name: string;
  start: () => ChildProcess;
  /**
   * Started again when it exits on its own, instead of ending the others: the
   * web tier outlives a crashed worker (the dashboard says the worker is
   * unavailable until it is back). Restarts back off from 1 s to 30 s while it
   * keeps failing within 10 s of starting.
   */
  restart?: boolean;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const HEALTHY_AFTER_MS = 10_000;

/**
 * Runs processes as one application, for the dev and production launchers:
 * Ctrl-C or SIGTERM stops them all, and one ending (unless it is restarted)
 * ends the others — a half-running stack is more confusing than a stopped
 * one. `cleanUp` runs after every process has exited.
 */
export function supervise(processes: Supervised[], cleanUp: () => Promise<unknown> = async () => undefined): void {
  const running = new Map<Supervised, ChildProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  async function shutdown(code: number) {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    await Promise.all(
      [...running.values()].map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return null;
        child.kill("SIGTERM");
        return new Promise((resolve) => child.once("exit", resolve));
      }),
    );
    await cleanUp();
    process.exit(code);
  }

  function launch(supervised: Supervised, delayMs = FIRST_DELAY_MS) {
    const child = supervised.start();
    const startedAt = Date.now();
    running.set(supervised, child);
    child.on("exit", (code, signal) => {
      if (stopping) return;
      if (!supervised.restart) return void shutdown(code ?? 1);
      // Quickly after a long run; ever more slowly while it keeps failing at start-up.
      const wait = Date.now() - startedAt > HEALTHY_AFTER_MS ? FIRST_DELAY_MS : delayMs;
      console.error(`${supervised.name} exited (${signal ?? `code ${String(code)}`}); restarting it in ${wait / 1000} s`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        launch(supervised, Math.min(wait * 2, MAX_DELAY_MS));
      }, wait);
      timers.add(timer);
    });
  }

  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  for (const supervised of processes) launch(supervised);
}
