import { mkdirSync } from "node:fs";
import path from "node:path";

import { PROJECT_ROOT } from "../../tooling/build-output";
import { ChildService } from "../../tooling/child-service";

/** Logs of the integration suite's child processes (git-ignored). */
export const INTEGRATION_OUTPUT = path.join(PROJECT_ROOT, "test-results/integration");

/**
 * The worker from source (`node --import tsx src/worker/main.ts`) on
 * 127.0.0.1:`port`, kept across restarts; what it logs lands in
 * test-results/integration/<name>.log, for assertions.
 */
export function sourceWorker({
  name,
  port,
  env,
  inspectPort,
}: {
  name: string;
  port: number;
  env: Record<string, string>;
  /** Opens the V8 inspector there (ChildService's inspectPort), for a test that reads the worker's memory. */
  inspectPort?: number;
}) {
  mkdirSync(INTEGRATION_OUTPUT, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  const service = new ChildService({
    name,
    args: ["--import", "tsx", "src/worker/main.ts"],
    env: { ...env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
    readyUrl: `${url}/healthz`,
    logFile: path.join(INTEGRATION_OUTPUT, `${name}.log`),
    inspectPort,
  });
  return Object.assign(service, { url });
}
