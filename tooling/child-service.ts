/**
 * A server of this project as a child process, for whatever drives it from
 * outside — the integration and e2e tests, `npm run bench`: start it, wait
 * until it answers, read what it logged, stop it the way an orchestrator
 * does, start it again on the same port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants, openSync, read, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

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
  /**
   * Output goes here, not into a pipe that could fill up; restarts append.
   * Made anew by the first start, so a process that still writes to the file
   * found at this path keeps writing to that file, not over this one's lines.
   */
  logFile: string;
  /**
   * Node only: opens the V8 inspector on 127.0.0.1 at this port (the same one
   * on every start), for a tool that reads the process's heap from outside.
   */
  inspectPort?: number;
}

export class ChildService {
  private child?: ChildProcess;
  /**
   * The log file, open for as long as this object lives: every start writes
   * to it and logs() reads it, whatever has become of its path since.
   */
  private log?: number;

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
    this.log ??= newLogFile(this.spec.logFile);
    const inspect = this.spec.inspectPort === undefined ? [] : [`--inspect=127.0.0.1:${this.spec.inspectPort}`];
    this.child = spawn(this.spec.command ?? process.execPath, [...inspect, ...this.spec.args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", this.log, this.log],
      // A group of its own, so stopping it also stops whatever it forked.
      detached: true,
    });
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

  /**
   * Everything it printed so far (all starts), in whole lines while it runs:
   * a line it is still writing comes with the next call.
   */
  async logs(): Promise<string> {
    if (this.log === undefined) return "";
    const text = await readAll(this.log);
    return this.running ? text.slice(0, text.lastIndexOf("\n") + 1) : text;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const { name, readyUrl } = this.spec;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${name} exited before it was ready:\n${lastLines(await this.logs())}`);
      const status = await statusOf(readyUrl);
      if (status === 200) return;
      if (performance.now() > deadline) {
        throw new Error(
          `${name} not ready at ${readyUrl} after ${timeoutMs / 1000} s (last: ${status || "no answer"}):\n${lastLines(await this.logs())}`,
        );
      }
      await sleep(100);
    }
  }
}

/** The last `lines` lines of a log file, for an error message ("" when there is none). */
export async function tailOf(file: string, lines = 30): Promise<string> {
  return lastLines(await readFile(file, "utf8").catch(() => ""), lines);
}

function lastLines(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * A new, empty file at `file`, open to read and to append. What was at that
 * path goes first: a process still writing it — the same child of a second
 * test run in this checkout, or one a killed run left behind — has its own
 * offset in it (appending or not), and would write over this file's lines if
 * they shared it. Unlinked, that file stays its own.
 */
function newLogFile(file: string): number {
  for (;;) {
    rmSync(file, { force: true });
    try {
      return openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND);
    } catch (error) {
      // Another process made it between the two calls: remove theirs too.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

const readAt = promisify(read);

/** All of an open file, read by position: the offset it shares with the child (its writes) is left alone. */
async function readAll(fd: number): Promise<string> {
  const chunks: Buffer[] = [];
  for (let position = 0; ;) {
    const { bytesRead, buffer } = await readAt(fd, Buffer.alloc(64 * 1024), 0, 64 * 1024, position);
    if (bytesRead === 0) return Buffer.concat(chunks).toString("utf8");
    chunks.push(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
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
export async function freePortGroups<Counts extends number[]>(
  ...counts: Counts
): Promise<{ [K in keyof Counts]: number[] }> {
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
