import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, expect, inject, test } from "vitest";

import { BUILD_OUTPUT } from "../../tooling/build-output";
import { ChildService, freePorts, statusOf } from "../../tooling/child-service";
import { SmtpInbox } from "../support/smtp-inbox";
import { queryOnce, type TestDatabase } from "../support/test-database";
import { createE2eDatabase, E2E_OUTPUT } from "./stack";

// `npm start` runs both built processes and nothing else: in particular it
// does not migrate (that is the compose `migrate` step, or `npm run db:deploy`).
// A process that dies is restarted; the other stays up meanwhile.

let database: TestDatabase;
// The production web tier will not start without an SMTP server.
let inbox: SmtpInbox;

beforeAll(async () => {
  database = await createE2eDatabase();
  inbox = await SmtpInbox.start();
});

afterAll(async () => {
  await inbox?.stop();
  await database?.drop();
});

test("npm start serves both processes, migrates nothing, restarts either one that dies, and stops both on SIGTERM", async () => {
  const [webPort, workerPort] = await freePorts(2);
  const webUrl = `http://127.0.0.1:${webPort}`;
  const webHealth = `${webUrl}/api/healthz`;
  const workerHealth = `http://127.0.0.1:${workerPort}/healthz`;
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
      SMTP_URL: inbox.url,
    },
    readyUrl: webHealth,
    logFile: path.join(E2E_OUTPUT, "start.log"),
  });
  try {
    await launcher.start();
    // The launcher waits for the web tier only; the worker is up moments later on a loaded machine.
    await expect.poll(() => answers(workerHealth), { timeout: 10_000, interval: 200 }).toBe(true);
    const signIn = await fetch(`${webUrl}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await tablesOf(database.url)).toEqual([]);

    // Either process that dies is started again, and the launcher says what ended it.
    process.kill(childPid(launcher.pid!, "worker.mjs"), "SIGKILL");
    await expect.poll(() => answers(workerHealth)).toBe(false);
    expect(await answers(webHealth)).toBe(true);
    await expect.poll(() => answers(workerHealth), { timeout: 10_000, interval: 200 }).toBe(true);
    expect(await launcher.logs()).toContain("npm start: worker exited on SIGKILL; starting it again in 1 s");

    process.kill(childPid(launcher.pid!, "next-server"), "SIGKILL");
    await expect.poll(() => answers(webHealth)).toBe(false);
    expect(await answers(workerHealth)).toBe(true);
    await expect.poll(() => answers(webHealth), { timeout: 20_000, interval: 200 }).toBe(true);
    expect(await launcher.logs()).toContain("npm start: web exited on SIGKILL; starting it again in 1 s");
    expect(launcher.running).toBe(true);
  } finally {
    expect(await launcher.stop()).toBe(0);
  }
  // Both children went with it: nothing answers on either port any more.
  for (const url of [webHealth, workerHealth]) {
    await expect(fetch(url)).rejects.toThrow();
  }
});

/**
 * The pid of the launcher's child whose command line contains `marker`.
 * (The web tier's reads "next-server": Next.js renames its process.)
 */
function childPid(parent: number, marker: string): number {
  const pids = execFileSync("pgrep", ["-P", String(parent)], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map(Number);
  const match = pids.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker));
  expect(match, `children of ${parent} whose command line has ${marker}`).toHaveLength(1);
  return match[0]!;
}

async function answers(url: string): Promise<boolean> {
  return (await statusOf(url)) === 200;
}

async function tablesOf(databaseUrl: string): Promise<string[]> {
  const rows = await queryOnce<{ name: string }>(
    databaseUrl,
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
  );
  return rows.map((row) => row.name);
}
