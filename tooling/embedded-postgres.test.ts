import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { runningEmbeddedPostgresUrl, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";
import { queryOnce } from "../tests/support/test-database";

async function serverPid(dataDir: string): Promise<number> {
  return Number.parseInt((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]!, 10);
}

async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("startEmbeddedPostgres", () => {
  const started: EmbeddedPostgres[] = [];
  const dirs: string[] = [];
  const start = async (...args: Parameters<typeof startEmbeddedPostgres>) => {
    const db = await startEmbeddedPostgres(...args);
    started.push(db);
    return db;
  };
  // A directory of its own (mkdtemp's is private to this user, and as root the server runs as "postgres").
  const clusterDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "embedded-postgres-test-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((db) => db.stop()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("runs two throwaway clusters at once, each a real PostgreSQL with databases of its own", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(new URL(a.url).port).not.toBe(new URL(b.url).port);
    await queryOnce(a.url, "CREATE DATABASE only_on_a");
    const databases = async (url: string) =>
      (await queryOnce<{ datname: string }>(url, "SELECT datname FROM pg_database")).map((row) => row.datname);
    expect(await databases(a.url)).toContain("only_on_a");
    expect(await databases(b.url)).not.toContain("only_on_a");
    const [version] = await queryOnce<{ server_version_num: string }>(b.url, "SHOW server_version_num");
    expect(Number(version!.server_version_num)).toBeGreaterThanOrEqual(170000);
    const [encoding] = await queryOnce<{ server_encoding: string }>(b.url, "SHOW server_encoding");
    expect(encoding!.server_encoding).toBe("UTF8");
  });

  it("stops once however often stop() is called, and the server is gone after", async () => {
    const db = await start();
    await Promise.all([db.stop(), db.stop()]);
    await db.stop();
    await expect(queryOnce(db.url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("keeps a persistent cluster's data across restarts, and refuses a second server on it in one sentence", async () => {
    const dataDir = await clusterDir();
    const first = await start({ dataDir });
    await queryOnce(first.url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
    expect(await runningEmbeddedPostgresUrl(dataDir)).toBe(first.url);
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      new RegExp(
        `^PostgreSQL is already running in ${dataDir} \\(process \\d+, port ${new URL(first.url).port}\\): stop that process first\\.$`,
      ),
    );
    await first.stop();
    expect(await runningEmbeddedPostgresUrl(dataDir)).toBeUndefined();

    const second = await start({ dataDir });
    expect(await queryOnce(second.url, "SELECT n FROM kept")).toEqual([{ n: 42 }]);
  });

  it("starts again in a directory whose server was killed with SIGKILL (stale postmaster.pid)", async () => {
    const dataDir = await clusterDir();
    const first = await start({ dataDir });
    await queryOnce(first.url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)");
    const pid = await serverPid(dataDir);
    process.kill(pid, "SIGKILL");
    await gone(pid);
    // Left behind, naming a process that no longer exists.
    expect(await serverPid(dataDir)).toBe(pid);

    const second = await start({ dataDir });
    expect(await queryOnce(second.url, "SELECT n FROM kept")).toEqual([{ n: 7 }]);
    await first.stop(); // the killed server's owner: nothing left to stop
  });
});
