import type { ChildProcess } from "node:child_process";

/**
 * Runs `children` as one application, for the dev and production launchers:
 * Ctrl-C or SIGTERM stops them all, and either one ending ends the others — a
 * half-running stack (a web tier whose worker died) is more confusing than a
 * stopped one. `cleanUp` runs after every child has exited.
 */
export function supervise(children: ChildProcess[], cleanUp: () => Promise<unknown> = async () => undefined): void {
  let stopping = false;
  async function shutdown(code: number) {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return null;
        child.kill("SIGTERM");
        return new Promise((resolve) => child.once("exit", resolve));
      }),
    );
    await cleanUp();
    process.exit(code);
  }

  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  for (const child of children) child.on("exit", (code) => void shutdown(code ?? 1));
}
