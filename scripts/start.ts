/**
 * `npm start`: the production build of both processes, bundled by
 * `npm run build` into dist/start.mjs. Loads .env files as `next start` does
 * (@next/env), then runs the standalone web server and the bundled worker
 * until Ctrl-C or SIGTERM, restarting either if it dies. It applies no
 * migrations: run `npm run db:deploy` (or the compose `migrate` service) when
 * the schema changed. Behind an orchestrator, run the two files directly.
 *
 * WORKER_PROCESSES=N runs N workers, on WORKER_PORT, WORKER_PORT+1, …: they
 * share the job queue (each document is ingested by one of them) and the
 * live feed; browsers reach the one NEXT_PUBLIC_WORKER_URL names, or all of
 * them through a load balancer (deploy/nginx.conf.template).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import nextEnv from "@next/env";

import { BUILD_OUTPUT, WORKER_NODE_ARGS } from "../tooling/build-output";
import { runProcesses } from "./run-processes";

// dist/start.mjs sits one folder below the root, as this file does.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

for (const file of [BUILD_OUTPUT.webServer, BUILD_OUTPUT.worker, BUILD_OUTPUT.extractThread]) {
  if (!existsSync(path.join(root, file))) {
    console.error(`${file} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

nextEnv.loadEnvConfig(root, false);

const workerCount = Number(process.env.WORKER_PROCESSES ?? 1);
if (!Number.isInteger(workerCount) || workerCount < 1 || workerCount > 32) {
  console.error(`WORKER_PROCESSES must be a whole number from 1 to 32, not "${process.env.WORKER_PROCESSES ?? ""}".`);
  process.exit(1);
}
const firstWorkerPort = Number(process.env.WORKER_PORT ?? 4000);
const workers = Array.from({ length: workerCount }, (_, index) => ({
  name: workerCount === 1 ? "worker" : `worker-${index + 1}`,
  args: WORKER_NODE_ARGS.map((arg) => (arg === BUILD_OUTPUT.worker ? path.join(root, arg) : arg)),
  env: { NODE_ENV: "production", WORKER_PORT: String(firstWorkerPort + index) },
}));

const code = await runProcesses("npm start", [
  {
    name: "web",
    args: [path.join(root, BUILD_OUTPUT.webServer)],
    // The standalone server listens on $PORT (default 3000) at $HOSTNAME; a
    // shell's own HOSTNAME (the machine's name) must not narrow that down.
    env: { NODE_ENV: "production", HOSTNAME: process.env.WEB_HOST ?? "0.0.0.0" },
  },
  ...workers,
]);
process.exit(code);
