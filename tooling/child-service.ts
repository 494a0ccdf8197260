/**
 * A server of this project as a child process, for whatever drives it from
 * outside — the integration and e2e tests, `npm run bench`: start it, wait
 * until it answers, read what it logged, stop it the way an orchestrator
 * does, start it again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

import { PROJECT_ROOT } from "./build-output";

export interface ServiceSpec {
  name: string;
  /** The program to run; default: this Node. */
  command?: string;
  /** Arguments to `command`, run in the project root. */
  args: string[];
  /** Added to this process's environment. */
  env: Record<string, string>;
  /** Answers 200 once the service can take requests. */
  readyUrl: string;
  /** Output goes here, not into a pipe that could fill up; restarts append. */
  logFile: string;
  /**
   * Node only: opens the V8 inspector on 127.0.0.1 at this port (the same one
   * on every start), for a tool that reads the process's heap from outside.
   */
  inspectPort?: number;
}

export class ChildService {
  private child?: ChildProcess;
  private starts = 0;

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && !hasExited(this.child);
  }

  /** Starts it and waits until `readyUrl` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const fd = openSync(this.spec.logFile, this.starts++ === 0 ? "w" : "a");
    const inspect = this.spec.inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${this.spec.inspectPort}`];
    this.child = spawn(this.spec.command ?? process.execPath, [...inspect, ...this.spec.args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", fd, fd],
      // A group of its own, so stopping it also stops whatever it forked.
      detached: true,
    });
    closeSync(fd);
    await this.waitReady(timeoutMs);
  }

  /** SIGTERM to its group, as an orchestrator stops it (SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.signalGroup("SIGTERM", 10_000);
  }

  /** SIGKILL to its group, as a crash or the OOM killer ends it: nothing finishes; resolves once it is gone. */
  async kill(): Promise<void> {
    await this.signalGroup("SIGKILL");
  }

  private async signalGroup(signal: NodeJS.Signals, killAfterMs?: number): Promise<number | null> {
    const child = this.child;
    if (!child || hasExited(child)) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const send = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    send(signal);
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => send("SIGKILL"), killAfterMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything it printed so far (all starts). */
  logs(): Promise<string> {
    return readFile(this.spec.logFile, "utf8").catch(() => "");
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const { name, readyUrl } = this.spec;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${name} exited before it was ready:\n${await tailOf(this.spec.logFile)}`);
      const status = await statusOf(readyUrl);
      if (status === 200) return;
      if (performance.now() > deadline) {
        throw new Error(`${name} not ready at ${readyUrl} after ${timeoutMs / 1000} s (last: ${status || "no answer"}):\n${await tailOf(this.spec.logFile)}`);
      }
      await sleep(100);
    }
  }
}

/** The last `lines` lines of a log file, for an error message ("" when there is none). */
export async function tailOf(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The HTTP status `url` answers a GET with, or 0 when nothing answers within 2 s. */
export async function statusOf(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    // The body too: the timeout may fire while it is still arriving.
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Ports the OS has free now; all held at once so no two are the same. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject).listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * freePorts for several groups of ports in one call, so that no two are the
 * same: one array per count, in order (`freePortGroups(1, 2)` → `[[a], [b, c]]`).
 */
export async function freePortGroups<Counts extends number[]>(...counts: Counts): Promise<{ [K in keyof Counts]: number[] }> {
  const ports = await freePorts(counts.reduce((sum, count) => sum + count, 0));
  return counts.map((count) => ports.splice(0, count)) as { [K in keyof Counts]: number[] };
}

/** A process's name in its tier: "web", "worker" alone; "web-1", "web-2"… among `count`. */
export function processName(tier: string, index: number, count: number): string {
  return count === 1 ? tier : `${tier}-${index + 1}`;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
