import { mkdirSync } from "node:fs";
import path from "node:path";

import { ChildService } from "../../tooling/child-service";
import { INTEGRATION_OUTPUT } from "./source-worker";

/**
 * A web process from source (support/web/session-server.ts) on
 * 127.0.0.1:`port`: its own session cache, the run's database and secret
 * (from this process's environment); logs in test-results/integration/<name>.log.
 */
export function sourceWeb({ name, port, env = {} }: { name: string; port: number; env?: Record<string, string> }) {
  mkdirSync(INTEGRATION_OUTPUT, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  const service = new ChildService({
    name,
    args: ["--import", "tsx", "tests/support/web/session-server.ts"],
    env: { ...env, WEB_PORT: String(port) },
    readyUrl: `${url}/healthz`,
    logFile: path.join(INTEGRATION_OUTPUT, `${name}.log`),
  });
  return Object.assign(service, { url });
}
