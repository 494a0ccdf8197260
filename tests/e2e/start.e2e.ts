import { execFileSync } from "node:child_process";
import path from "node:path";

import { afterAll, beforeAll, expect, inject, test } from "vitest";

import { BUILD_OUTPUT } from "../../tooling/build-output";
import { ChildService, freePorts, statusOf } from "../../tooling/child-service";
import { queryOnce, type TestDatabase } from "../support/test-database";
import { createE2eDatabase, E2E_OUTPUT } from "./stack";

// `npm start` runs both built processes and nothing else: in particular it
// does not migrate (that is the compose `migrate` step, or `npm run db:deploy`).
// A worker that dies is restarted; the web tier stays up meanwhile.

let database: TestDatabase;

beforeAll(async () => {
  database = await createE2eDatabase();
});

afterAll(async () => {
  await database?.drop();
});

test("npm start serves both processes, migrates nothing, restarts a dead worker, and stops both on SIGTERM", async () => {
  const [webPort, workerPort] = await freePorts(2);
  const webUrl = `http://127.0.0.1:${webPort}`;
  const launcher = new ChildService({
    name: "npm start",
    args: [BUILD_OUTPUT.launcher],
    env: {
      DATABASE_URL: database.url,
      BETTER_AUTH_SECRET: inject("canaries").secret,
      BETTER_AUTH_URL: webUrl,
      PORT: String(webPort),
      WEB_HOST: "127.0.0.1",
      WORKER_PORT: String(workerPort),
      WORKER_HOST: "127.0.0.1",
      WORKER_URL: `http://127.0.0.1:${workerPort}`,
    },
    readyUrl: `${webUrl}/api/healthz`,
    logFile: path.join(E2E_OUTPUT, "start.log"),
  });
  try {
    await launcher.start();
    const workerHealth = await fetch(`http://127.0.0.1:${workerPort}/healthz`);
    expect(workerHealth.status).toBe(200);
    const signIn = await fetch(`${webUrl}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await tablesOf(database.url)).toEqual([]);

    const workerPid = Number(execFileSync("pgrep", ["-P", String(launcher.pid), "-f", "worker.mjs"], { encoding: "utf8" }).trim());
    process.kill(workerPid, "SIGKILL");
    await expect.poll(() => answers(`http://127.0.0.1:${workerPort}/healthz`)).toBe(false);
    expect(await answers(`${webUrl}/api/healthz`)).toBe(true);
    await expect.poll(() => answers(`http://127.0.0.1:${workerPort}/healthz`), { timeout: 10_000, interval: 200 }).toBe(true);
    expect(launcher.running).toBe(true);
  } finally {
    expect(await launcher.stop()).toBe(0);
  }
  // Both children went with it: nothing answers on either port any more.
  for (const url of [`${webUrl}/api/healthz`, `http://127.0.0.1:${workerPort}/healthz`]) {
    await expect(fetch(url)).rejects.toThrow();
  }
});

async function answers(url: string): Promise<boolean> {
  return (await statusOf(url)) === 200;
}

async function tablesOf(databaseUrl: string): Promise<string[]> {
  const rows = await queryOnce<{ name: string }>(databaseUrl, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
  return rows.map((row) => row.name);
}
