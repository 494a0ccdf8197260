import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { isIPv6 } from "node:net";
import path from "node:path";

import { PGlite, type ExecProtocolOptionsStream } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Where `npm run dev` keeps its embedded database (relative to the repo root); the db:* commands find it there too. */
export const DEV_DATA_DIR = ".data/pglite";

/** Where a persistent embedded database listens unless told otherwise, so its URL stays the same across restarts. */
export const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;

// Connections over this limit are refused with a non-protocol reply that
// clients report as a confusing error, and an idle connection costs almost
// nothing, so leave room for the app's pool, the Prisma CLI and a psql or two.
const MAX_CONNECTIONS = 100;

export interface EmbeddedPostgresOptions {
  /** Directory that holds the database; created if missing. Without one the database lives in memory and is gone after stop(). */
  dataDir?: string;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /**
   * Port to listen on; 0 lets the OS pick. Defaults to DEFAULT_EMBEDDED_POSTGRES_PORT
   * (or an OS-picked port if that one is taken) with a dataDir, and to 0 without.
   */
  port?: number;
}

export interface EmbeddedPostgres {
  /** A postgresql:// URL for node-postgres, Prisma and psql. */
  url: string;
  /** Closes every connection and the database, so that everything is on disk; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly, in this process) and
 * serves it over the PostgreSQL wire protocol, so that anything that takes a
 * DATABASE_URL can use it.
 *
 * It holds one database, "postgres". CREATE DATABASE succeeds but creates
 * nothing a client can reach, so connecting under any other name is refused
 * (PGlite itself would silently hand over "postgres", and a Prisma shadow
 * database would then be the real one). A second database, such as Prisma's
 * shadow database, is a second instance: call this again without a dataDir.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const host = options.host ?? "127.0.0.1";
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  const lock = dataDir === undefined ? undefined : await lockDataDir(dataDir);

  try {
    const db = new ConnectionAffinePGlite({ dataDir });
    await db.waitReady;
    try {
      const server = await listen(db, host, options.port, dataDir !== undefined);
      const address = server.getServerConn();
      const port = address.slice(address.lastIndexOf(":") + 1);
      const url = `postgresql://postgres:postgres@${isIPv6(host) ? `[${host}]` : host}:${port}/${DATABASE}`;
      try {
        await lock?.publish(url);
      } catch (error) {
        await server.stop();
        throw error;
      }

      let stopped: Promise<void> | undefined;
      const stop = () =>
        (stopped ??= (async () => {
          try {
            // Server first: it rolls back what its clients left open, which
            // has to happen before the database closes.
            await server.stop();
            await db.close();
          } finally {
            await lock?.release();
          }
        })());
      return { url, stop };
    } catch (error) {
      await db.close();
      throw error;
    }
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function listen(
  db: PGlite,
  host: string,
  port: number | undefined,
  persistent: boolean,
): Promise<PGLiteSocketServer> {
  const start = async (port: number) => {
    const server = new PGLiteSocketServer({ db, host, port, maxConnections: MAX_CONNECTIONS });
    try {
      await server.start();
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  };

  if (port !== undefined) return start(port);
  if (!persistent) return start(0);
  try {
    return await start(DEFAULT_EMBEDDED_POSTGRES_PORT);
  } catch (error) {
    // Another program (or another checkout's dev server) has the port; the
    // data-dir lock already rules out a second server on this database.
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return start(0);
  }
}

/**
 * The URL of the embedded PostgreSQL another process is serving `dataDir` at,
 * if one is: the database commands use it rather than fail on the lock while
 * `npm run dev` runs.
 */
export async function runningEmbeddedPostgresUrl(dataDir: string): Promise<string | undefined> {
  const owner = await readLock(`${path.resolve(dataDir)}.lock`);
  return owner && owner.pid > 0 && isRunning(owner.pid) ? owner.url : undefined;
}

/**
 * PGlite does not lock its data directory, and two processes writing one
 * corrupt it (a second `npm run dev`, or a test run next to it). This is an
 * advisory lock file next to the directory holding the owner's pid and, once
 * it listens, its URL; one left by a process that died is taken over.
 */
async function lockDataDir(dataDir: string): Promise<{ publish(url: string): Promise<void>; release(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = `${dataDir}.lock`;
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: "wx" });
      return {
        publish: (url) => writeFile(lockFile, `${String(process.pid)}\n${url}\n`),
        release: () => rm(lockFile, { force: true }),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = (await readLock(lockFile))?.pid ?? 0;
    if (owner > 0 && isRunning(owner)) {
      throw new Error(
        `The embedded PostgreSQL data directory ${dataDir} is in use by process ${owner}. ` +
          `Stop that process, or delete ${lockFile} if it is not an embedded PostgreSQL.`,
      );
    }
    await rm(lockFile, { force: true });
  }
}

async function readLock(lockFile: string): Promise<{ pid: number; url?: string } | undefined> {
  const text = await readFile(lockFile, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const [pid = "", url] = text.trim().split("\n");
  return { pid: Number.parseInt(pid, 10), url };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// The name PGlite gives its one database.
const DATABASE = "postgres";

// ReadyForQuery: type byte, int32 length 5, transaction status byte.
const READY_FOR_QUERY = [0x5a, 0, 0, 0, 5] as const;
const TRANSACTION_IDLE = 0x49; // 'I'
const TAIL_LENGTH = READY_FOR_QUERY.length + 1;

/**
 * PGlite is a single PostgreSQL session. The socket server multiplexes its
 * connections onto it message by message, and keeps serving the connection
 * that ran last for as long as `isInTransaction()` is true. PGlite answers
 * that for explicit transaction blocks only, so two connections' extended-
 * protocol exchanges (Parse, Bind, Execute ... Sync, which node-postgres uses
 * for every query with parameters) or COPYs interleave: one client's Bind
 * meets the other's Parse, and the query fails or silently returns the other
 * query's rows.
 *
 * The session is free for another connection exactly when PostgreSQL says so:
 * its output ends with ReadyForQuery, status idle. Tracking that makes the
 * multiplexer's existing affinity cover every kind of exchange, and makes a
 * transaction exclusive: other connections wait until it ends.
 */
class ConnectionAffinePGlite extends PGlite {
  #idle = true;
  // The last bytes PostgreSQL wrote, across the chunks of one response.
  readonly #tail = new Uint8Array(TAIL_LENGTH);

  override isInTransaction(): boolean {
    return !this.#idle;
  }

  override execProtocolRawStream(message: Uint8Array, options: ExecProtocolOptionsStream): Promise<void> {
    const database = requestedDatabase(message);
    if (database !== undefined && database !== DATABASE) {
      options.onRawData(
        fatalError(
          "3D000",
          `database "${database}" does not exist: this embedded PostgreSQL has only "${DATABASE}"; start another instance for a second database`,
        ),
      );
      return Promise.resolve();
    }
    return super.execProtocolRawStream(message, {
      ...options,
      onRawData: (data) => {
        this.#remember(data);
        options.onRawData(data);
      },
    });
  }

  // A message that produces no output (a Bind that is skipped after an error,
  // say) leaves the state as it was, which is right: only a ReadyForQuery
  // changes whether the session is between exchanges.
  #remember(data: Uint8Array): void {
    const kept = Math.max(0, TAIL_LENGTH - data.length);
    this.#tail.copyWithin(0, TAIL_LENGTH - kept);
    this.#tail.set(data.subarray(data.length - (TAIL_LENGTH - kept)), kept);
    this.#idle =
      READY_FOR_QUERY.every((byte, i) => this.#tail[i] === byte) && this.#tail[TAIL_LENGTH - 1] === TRANSACTION_IDLE;
  }
}

const PROTOCOL_VERSION_3 = 0x00030000;

/** The database a StartupMessage asks for (libpq's default is the user name), or undefined for any other message. */
function requestedDatabase(message: Uint8Array): string | undefined {
  // Other messages start with a type byte; a StartupMessage with its length, which is far below 2^24.
  const isStartup =
    message.length >= 8 &&
    message[0] === 0 &&
    new DataView(message.buffer, message.byteOffset).getInt32(4) === PROTOCOL_VERSION_3;
  if (!isStartup) return undefined;
  // After the header: name\0value\0 pairs, then a final \0.
  const fields = new TextDecoder().decode(message.subarray(8)).split("\0");
  const parameters = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) parameters.set(fields[i]!, fields[i + 1]!);
  return parameters.get("database") || parameters.get("user");
}

function fatalError(code: string, message: string): Uint8Array {
  const body = new TextEncoder().encode(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const packet = new Uint8Array(1 + 4 + body.length);
  packet[0] = 0x45; // 'E', ErrorResponse
  new DataView(packet.buffer).setInt32(1, 4 + body.length);
  packet.set(body, 5);
  return packet;
}
