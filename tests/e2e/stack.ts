import { mkdirSync } from "node:fs";
import path from "node:path";

import { inject } from "vitest";

import { migrateDeploy } from "../../tooling/prisma-cli";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePorts, type ChildService } from "../../tooling/child-service";
import { builtWebTier, builtWorker } from "../../tooling/production-build";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/** Screenshots and server logs of e2e runs (git-ignored). */
export const E2E_OUTPUT = path.join(PROJECT_ROOT, "test-results/e2e");

export interface Stack {
  webUrl: string;
  /** Where the web tier's server reaches the worker (WORKER_URL). */
  workerUrl: string;
  /** Where the browser reaches it (NEXT_PUBLIC_WORKER_URL): another name for the same server, as in compose. */
  browserWorkerUrl: string;
  web: ChildService;
  worker: ChildService;
  database: TestDatabase;
  stop(): Promise<void>;
}

/** A brand-new, empty database, where the e2e run makes them (TEST_DATABASE_URL's server, else PGlite). */
export function createE2eDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject("testServerUrl") || undefined);
}

export interface StackOptions {
  /** Added to the web tier's environment. */
  web?: Record<string, string>;
  /** Both processes open the V8 inspector on a free port each (ChildService.spec.inspectPort), for load/memory.ts. */
  inspect?: boolean;
}

/**
 * The production build on a brand-new database, deployed the way the compose
 * file does it: migrations first, then the web tier, then the worker (which
 * fetches the web tier's keys). Logs go to test-results/e2e/<name>-*.log.
 */
export async function startStack(name: string, { web: webEnv = {}, inspect = false }: StackOptions = {}): Promise<Stack> {
  mkdirSync(E2E_OUTPUT, { recursive: true });
  const database = await createE2eDatabase();
  const services: ChildService[] = [];
  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop();
    await database.drop();
  };
  try {
    await migrateDeploy(database.url);
    const [webPort, workerPort, webInspectPort, workerInspectPort] = await freePorts(inspect ? 4 : 2);
    const webUrl = `http://127.0.0.1:${webPort}`;
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    const browserWorkerUrl = `http://localhost:${workerPort}`;
    const web = builtWebTier({
      port: webPort!,
      env: {
        DATABASE_URL: database.url,
        BETTER_AUTH_SECRET: inject("canaries").secret,
        BETTER_AUTH_URL: webUrl,
        WORKER_URL: workerUrl,
        NEXT_PUBLIC_WORKER_URL: browserWorkerUrl,
        LOG_LEVEL: "info",
        ...webEnv,
      },
      logFile: path.join(E2E_OUTPUT, `${name}-web.log`),
      inspectPort: webInspectPort,
    });
    services.push(web);
    await web.start();
    const worker = builtWorker({
      port: workerPort!,
      env: { BETTER_AUTH_URL: webUrl, DATABASE_URL: database.url, LOG_LEVEL: "info" },
      logFile: path.join(E2E_OUTPUT, `${name}-worker.log`),
      inspectPort: workerInspectPort,
    });
    services.push(worker);
    await worker.start();
    return { webUrl, workerUrl, browserWorkerUrl, web, worker, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
