/**
 * The production build as child processes, for the scripts and tests that
 * drive it from outside (`npm run bench`, `npm run test:e2e`): build it, start
 * the web tier and the worker on given ports, wait until each answers, stop
 * and restart them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type AddressInfo, type Server } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { BUILD_OUTPUT } from "./build-output";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

type Env = Record<string, string>;

/** `npm run build` with `env` added; throws with the end of its output if it fails. */
export async function buildProduction(env: Env, logFile: string): Promise<void> {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const fd = openSync(logFile, "w");
  const build = spawn(process.execPath, [tsx, "src/scripts/build.ts"], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve, reject) => build.once("error", reject).once("exit", resolve));
  if (code !== 0) throw new Error(`npm run build failed (exit ${String(code)}):\n${await tail(logFile)}`);
}

export interface ServiceSpec {
  name: string;
  /** Arguments to `node`, run in the project root. */
  args: string[];
  env: Env;
  /** Answers 200 once the service can take requests. */
  readyUrl: string;
  /** Output goes here, not into a pipe that could fill up; restarts append. */
  logFile: string;
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
    this.child = spawn(process.execPath, this.spec.args, {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", fd, fd],
      // A group of its own, so stopping it also stops whatever it forked.
      detached: true,
    });
    closeSync(fd);
    await this.waitReady(timeoutMs);
  }

  /** SIGTERM to its group, as an orchestrator stops it (SIGKILL after 10 s); resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || hasExited(child)) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    signalGroup("SIGTERM");
    const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
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

  tail(lines = 30): Promise<string> {
    return tail(this.spec.logFile, lines);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const { name, readyUrl } = this.spec;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${name} exited before it was ready:\n${await this.tail()}`);
      const status = await statusOf(readyUrl);
      if (status === 200) return;
      if (performance.now() > deadline) {
        throw new Error(`${name} not ready at ${readyUrl} after ${timeoutMs / 1000} s (last: ${status || "no answer"}):\n${await this.tail()}`);
      }
      await sleep(250);
    }
  }
}

/**
 * The standalone web server on 127.0.0.1:`port`; `env` must hold its
 * configuration (DATABASE_URL, BETTER_AUTH_SECRET, BETTER_AUTH_URL, WORKER_URL…).
 */
export function builtWebTier({ port, env, logFile }: { port: number; env: Env; logFile: string }): ChildService {
  return new ChildService({
    name: "web",
    args: [BUILD_OUTPUT.webServer],
    env: { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env, PORT: String(port), HOSTNAME: "127.0.0.1" },
    readyUrl: `http://127.0.0.1:${port}/api/healthz`,
    logFile,
  });
}

/** The bundled worker on 127.0.0.1:`port`; ready once it holds the web tier's keys, so start the web tier first. */
export function builtWorker({ port, env, logFile }: { port: number; env: Env; logFile: string }): ChildService {
  return new ChildService({
    name: "worker",
    args: ["--enable-source-maps", BUILD_OUTPUT.worker],
    env: { NODE_ENV: "production", ...env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    logFile,
  });
}

/** The HTTP status `url` answers a GET with, or 0 when nothing answers within 2 s. */
export function statusOf(url: string): Promise<number> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    async (res) => {
      await res.arrayBuffer();
      return res.status;
    },
    () => 0,
  );
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

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
