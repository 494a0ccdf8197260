import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { toNodeHandler } from "better-auth/node";

import { freePorts } from "~/scripts/services";
import type { Auth } from "~/server/auth";

/**
 * The worker as a real child process (`node --import tsx src/worker/main.ts`),
 * its stdout kept for assertions on the logs.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private output = "";
  constructor(
    private readonly env: Record<string, string>,
    /** 0: any free port, kept across restarts. */
    public port = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the worker has logged so far, one JSON object per line. */
  get logs(): string {
    return this.output;
  }

  /** Starts it (on its previous port after a stop, so clients keep their URL). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/worker/main.ts"], {
      env: { ...process.env, ...this.env, WORKER_PORT: String(this.port), WORKER_HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stderr.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        this.output += chunk.toString();
        const listening = /"port":(\d+).*"msg":"worker listening/.exec(this.output);
        if (listening) resolve(Number(listening[1]));
      });
      child.once("exit", (code) => reject(new Error(`worker exited (${String(code)}) before listening:\n${this.output}`)));
    });
  }

  /** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    return exited;
  }
}

/** The web tier's Better Auth routes (JWKS included) on a real port. */
export async function serveAuth(auth: Auth): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(toNodeHandler(auth));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
