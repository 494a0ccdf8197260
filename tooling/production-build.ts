/**
 * The production build, for the e2e suite and the bench: make it, then run
 * its two processes as ChildServices on ports of the caller's choosing.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";

import { BUILD_OUTPUT, PROJECT_ROOT, WORKER_NODE_ARGS } from "./build-output";
import { ChildService, tailOf } from "./child-service";

type Env = Record<string, string>;

/** `npm run build` with `env` added; throws with the end of its output if it fails. */
export async function buildProduction(env: Env, logFile: string): Promise<void> {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const fd = openSync(logFile, "w");
  const build = spawn(process.execPath, [tsx, "scripts/build.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve, reject) => build.once("error", reject).once("exit", resolve));
  if (code !== 0) throw new Error(`npm run build failed (exit ${String(code)}):\n${await tailOf(logFile)}`);
}

/** One running process of a tier, and where to reach it directly. */
export interface Process {
  url: string;
  service: ChildService;
}

interface BuiltService {
  name?: string;
  port: number;
  env: Env;
  logFile: string;
  /** See ServiceSpec.inspectPort. */
  inspectPort?: number;
}

/**
 * The standalone web server on 127.0.0.1:`port`; `env` must hold its
 * configuration (DATABASE_URL, BETTER_AUTH_SECRET, BETTER_AUTH_URL, WORKER_URL…).
 */
export function builtWebTier({ name = "web", port, env, logFile, inspectPort }: BuiltService): ChildService {
  return new ChildService({
    name,
    inspectPort,
    args: [BUILD_OUTPUT.webServer],
    env: { NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env, PORT: String(port), HOSTNAME: "127.0.0.1" },
    readyUrl: `http://127.0.0.1:${port}/api/healthz`,
    logFile,
  });
}

/** The bundled worker on 127.0.0.1:`port`; ready once it holds the web tier's keys, so start the web tier first. */
export function builtWorker({ name = "worker", port, env, logFile, inspectPort }: BuiltService): ChildService {
  return new ChildService({
    name,
    inspectPort,
    args: [...WORKER_NODE_ARGS],
    env: { NODE_ENV: "production", ...env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    logFile,
  });
}
