import { spawn } from "node:child_process";
import { createRequire } from "node:module";

// The Prisma CLI's own entry point, run with this Node: no npx, no shell, and
// prisma.config.ts picks the schema engine (native, or the wasm fallback).
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

export interface PrismaRunOptions {
  databaseUrl: string;
  shadowDatabaseUrl?: string;
  /** Hand the terminal to Prisma (its prompts and colours) instead of capturing its output. */
  interactive?: boolean;
}

export interface PrismaRun {
  code: number;
  /** What Prisma printed; empty when interactive. */
  output: string;
}

/** Runs `prisma <args>` against the given database. */
export function runPrisma(args: string[], opts: PrismaRunOptions): Promise<PrismaRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: opts.databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
    if (opts.shadowDatabaseUrl) env.SHADOW_DATABASE_URL = opts.shadowDatabaseUrl;
    const child = spawn(process.execPath, [prismaCli, ...args], {
      env,
      stdio: opts.interactive ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => (output += chunk));
    }
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** `prisma migrate deploy`: applies pending migrations, throws with Prisma's output if it fails. */
export async function migrateDeploy(databaseUrl: string): Promise<string> {
  const run = await runPrisma(["migrate", "deploy"], { databaseUrl });
  if (run.code !== 0) {
    throw new Error(`prisma migrate deploy failed (exit ${String(run.code)}):\n${run.output}`);
  }
  return run.output;
}
