#!/usr/bin/env node
/*
 * A stand-in for Prisma's native `schema-engine` binary: Prisma's own schema engine compiled to
 * WebAssembly (@prisma/schema-engine-wasm), reaching PostgreSQL through @prisma/adapter-pg.
 *
 * Why: the Prisma CLI downloads the native engine from binaries.prisma.sh. Where only the npm
 * registry is reachable that download fails, and with it every `prisma migrate …` and `prisma db …`.
 *
 * When: ./select-engine.ts (called by prisma.config.ts) points PRISMA_SCHEMA_ENGINE_BINARY here,
 * unless that variable is already set or the native binary is installed
 * (node_modules/@prisma/engines/schema-engine-<target>, put there by @prisma/engines' postinstall,
 * or Prisma's download cache). Everywhere else the native engine runs as usual. To move a machine
 * that can reach the CDN back to it: `node node_modules/@prisma/engines/scripts/postinstall.js`.
 * `prisma --version` says which one runs: its "Schema Engine" line is this file's `--version`.
 *
 * How: the CLI spawns its engine as `schema-engine --datamodels <file>… --datasource <json>` and
 * talks line-delimited JSON-RPC 2.0 on stdin/stdout, reading tracing-style JSON log lines on
 * stderr; `--version` and `cli can-connect-to-database|create-database` are one-shot commands whose
 * outcome is the exit code and the last stderr line. This file speaks that protocol and hands each
 * RPC method to the wasm SchemaEngine method of the same name. What it makes up for:
 *  - The wasm engine throws plain Errors (a message, sometimes a P-code) and reduces failures of
 *    its driver adapter to opaque messages. Errors go back in the native JSON-RPC shape, and where
 *    the native engine has a specific user-facing error (P1000/P1001/P1003 on connecting, which
 *    the CLI acts on; P3014 shadow database; P3018 failed migration) this file produces it.
 *  - Output the native engine sends to the CLI as `print` requests (`diff`, "Applying migration").
 *  - The wasm engine neither resets a configured shadow database before using it nor, in
 *    evaluateDataLoss/createMigration, can make one (see adapterFactory() and handle()).
 *  - adapter-pg 7.10.1 rejects pg_catalog's `"char"` columns, cuts scripts at every ";", and its
 *    own shadow database is the main one. See adapterFactory().
 * PostgreSQL only, 13 or newer (DROP DATABASE … WITH (FORCE)).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as wasm from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    version: { type: "boolean", short: "V" },
    datamodels: { type: "string", short: "d", multiple: true },
    datasource: { type: "string" },
    // Accepted and ignored: preview features are read from the schema, extensions are not used here.
    "enabled-preview-features": { type: "string" },
    "extension-types": { type: "string" },
  },
});
const datasource = JSON.parse(args.datasource ?? "{}");

// Node 22 cannot import a .wasm file as a module (Node 24 only as an experiment, with a warning),
// so do by hand what schema_engine.js does.
const wasmFile = new URL("schema_engine_bg.wasm", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(fileURLToPath(wasmFile))), {
  "./schema_engine_bg.js": wasm,
});
wasm.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();
let panicMessage; // set by the wasm panic hook; the trap that follows says only "unreachable"
globalThis.PRISMA_WASM_PANIC_REGISTRY = { set_message: (message) => (panicMessage = message) };

function log(level, fields, target = "schema_engine") {
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })}\n`);
}

async function exit(code) {
  await Promise.allSettled([...shadowDatabases].map(dropShadowDatabase));
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write("", done))));
  process.exit(code);
}

// ---- Errors, in the native engine's words (prisma-engines libs/user-facing-errors) ----

class UserFacingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** user_facing_errors::Error as serialized: the `data` of a JSON-RPC error. */
function errorData(error) {
  return /^P\d{4}$/.test(error?.code)
    ? { is_panic: false, message: error.message, meta: {}, error_code: error.code }
    : { is_panic: false, message: String(error?.message ?? error), backtrace: null };
}

const serverOf = (url) => {
  const { hostname, port, searchParams } = new URL(url);
  return { host: hostname || searchParams.get("host"), port: port || "5432" };
};
const databaseOf = (url) => decodeURIComponent(new URL(url).pathname.slice(1));

function connectionError(error, url) {
  const { host, port } = serverOf(url);
  const [database, user] = [databaseOf(url), decodeURIComponent(new URL(url).username)];
  switch (error.code) {
    case "3D000":
      return new UserFacingError(
        "P1003",
        `Database \`${database}\` does not exist on the database server at \`${host}:${port}\`.`,
      );
    case "28P01":
    case "28000":
      return new UserFacingError(
        "P1000",
        `Authentication failed against database server at \`${host}\`, the provided database credentials for \`${user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${host}\`.`,
      );
    case "42501":
      return new UserFacingError("P1010", `User \`${user}\` was denied access on the database \`${database}\``);
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "ETIMEDOUT":
      return new UserFacingError(
        "P1001",
        `Can't reach database server at \`${host}\`:\`${port}\`\n\nPlease make sure your database server is running at \`${host}\`:\`${port}\`.`,
      );
    default:
      return error;
  }
}

const migrationFailed = (name, { originalCode = "none", originalMessage, message }) =>
  new UserFacingError(
    "P3018",
    `A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\nMigration name: ${name}\n\nDatabase error code: ${originalCode}\n\nDatabase error:\n${originalMessage ?? message}\n`,
  );

const shadowDatabaseNotCreated = (error) =>
  new UserFacingError(
    "P3014",
    `Prisma Migrate could not create the shadow database. Please make sure the database user has permission to create databases. Read more about the shadow database (and workarounds) at https://pris.ly/d/migrate-shadow\n\nOriginal error: \n${error.message}`,
  );

// ---- PostgreSQL ----

async function withClient(url, task) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // a dropped connection surfaces as the failing query's error
  await client.connect().catch((error) => {
    throw connectionError(error, url);
  });
  try {
    return await task(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

async function createDatabase(url) {
  const databaseName = databaseOf(url);
  const server = new URL(url);
  server.pathname = "/postgres";
  await withClient(server.href, (client) => client.query(`CREATE DATABASE ${quoteIdent(databaseName)}`)).catch(
    (error) => {
      if (error.code !== "42P04") throw error;
      const { host, port } = serverOf(url);
      throw new UserFacingError(
        "P1009",
        `Database \`${databaseName}\` already exists on the database server at \`${host}:${port}\``,
      );
    },
  );
  return { databaseName };
}

const shadowDatabases = new Set(); // created here and not dropped yet

async function dropShadowDatabase(name) {
  await withClient(datasource.url, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
  shadowDatabases.delete(name);
}

// adapter-pg rejects PostgreSQL's internal one-byte `"char"` type (OID 18), which the engine's
// schema describer reads from pg_catalog (pg_constraint.contype, …) and expects as a character.
// Let adapter-pg take such a column as text (OID 25), then report it as a character column.
const charColumns = new WeakMap(); // result rows → indexes of their "char" columns
function readCharColumns(adapter) {
  const performIO = adapter.performIO.bind(adapter);
  adapter.performIO = async (query) => {
    const result = await performIO(query);
    const indexes = (result.fields ?? []).flatMap((field, i) => (field.dataTypeID === 18 ? [i] : []));
    for (const i of indexes) result.fields[i].dataTypeID = 25;
    if (indexes.length > 0) charColumns.set(result.rows, indexes);
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
}

let failedScript; // { sql, error }: the last script PostgreSQL rejected (see migrationFailed)
let shadowDatabaseError; // the wasm engine reports it only as "Failed to connect to the shadow database"

function adapterFactory({ url, shadowDatabaseUrl }) {
  // One long-lived session per database, as the native engine has: its advisory lock and any SET
  // in a migration script then hold for everything that follows.
  const pgFactory = (connectionString) =>
    new PrismaPg(
      { connectionString, max: 1, idleTimeoutMillis: 0 },
      { schema: new URL(connectionString).searchParams.get("schema") ?? undefined },
    );

  const connect = async (connectionString) => {
    const adapter = await pgFactory(connectionString).connect();
    readCharColumns(adapter);
    // adapter-pg cuts scripts at every ";" (also inside strings and $$ bodies) and commits each
    // piece on its own. Like the native engine, send a migration as one simple-protocol query:
    // PostgreSQL parses it and runs it as one implicit transaction.
    adapter.executeScript = async (sql) => {
      await adapter.performIO({ sql, args: [], argTypes: [] }).catch((error) => {
        failedScript = { sql, error: error.cause ?? error };
        throw error;
      });
    };
    return adapter;
  };

  // As the native engine: reset and use the configured shadow database, or create a throwaway one
  // next to the main database and drop it when the engine lets go of it.
  const openShadowDatabase = async () => {
    if (shadowDatabaseUrl) {
      const where = (u) => JSON.stringify([serverOf(u), databaseOf(u)]);
      if (where(shadowDatabaseUrl) === where(url)) {
        throw new Error(
          "The shadow database you configured appears to be the same as the main database. Please specify another shadow database.",
        );
      }
      const adapter = await connect(shadowDatabaseUrl);
      const schema = quoteIdent(new URL(shadowDatabaseUrl).searchParams.get("schema") ?? "public");
      await adapter.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
      return adapter;
    }
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await withClient(url, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`)).catch((error) => {
      throw shadowDatabaseNotCreated(error);
    });
    shadowDatabases.add(name);
    const shadowUrl = new URL(url);
    shadowUrl.pathname = `/${name}`;
    const adapter = await connect(shadowUrl.href);
    const closePool = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await closePool();
      await dropShadowDatabase(name);
    };
    return adapter;
  };

  const { provider, adapterName } = pgFactory(url);
  return bindMigrationAwareSqlAdapterFactory({
    provider,
    adapterName,
    connect: () => connect(url),
    connectToShadowDb: () =>
      openShadowDatabase().catch((error) => {
        throw (shadowDatabaseError = error);
      }),
  });
}

// ---- The engine ----

let engine;
function getEngine() {
  engine ??= (async () => {
    if (!datasource.url) throw new Error("The schema engine needs `datasource.url` in prisma.config.ts.");
    await withClient(datasource.url, () => {}); // connection errors with the native engine's codes
    const datamodels = args.datamodels?.map((file) => [file, readFileSync(file, "utf8")]);
    return wasm.SchemaEngine.new({ datamodels }, onEngineLog, adapterFactory(datasource));
  })();
  return engine;
}

function onEngineLog(line) {
  process.stderr.write(`${line.trimEnd()}\n`);
  // The native engine also has the CLI print the name of each migration it applies.
  const applying = /"message":"Applying `([^`"]+)`"/.exec(line)?.[1];
  if (applying) callCli("print", { content: `Applying migration \`${applying}\`` });
}

const ENGINE_METHODS = new Set(
  "applyMigrations createMigration dbExecute debugPanic devDiagnostic diagnoseMigrationHistory ensureConnectionValidity evaluateDataLoss introspect introspectSql markMigrationApplied markMigrationRolledBack reset schemaPush".split(
    " ",
  ),
);

async function handle(method, params) {
  switch (method) {
    case "createDatabase":
      return createDatabase(params.datasource.url ?? datasource.url);
    case "getDatabaseVersion":
      return (await getEngine()).version();
    case "diff": {
      const { exitCode, stdout } = await (await getEngine()).diff(params);
      if (stdout) await callCli("print", { content: stdout.replace(/\n$/, "") });
      return { exitCode, stdout: null };
    }
    case "applyMigrations": {
      failedScript = undefined;
      return (await getEngine()).applyMigrations(params).catch((error) => {
        const { migrationDirectories } = params.migrationsList;
        const failed = migrationDirectories.find((dir) => dir.migrationFile.content.value === failedScript?.sql);
        throw failed ? migrationFailed(failed.path, failedScript.error) : error;
      });
    }
    case "evaluateDataLoss":
    case "createMigration": {
      // These read the migrations' schema from a cache that devDiagnostic fills, and unlike the
      // native engine cannot make a shadow database to compute it. When `migrate dev` has just
      // applied pending migrations the cache lacks the new list: have diagnoseMigrationHistory
      // (which can) fill it, and try again.
      const engine = await getEngine();
      try {
        return await engine[method](params);
      } catch (error) {
        if (!error.message?.includes("shadow DB must be provided through an external factory")) throw error;
        const { migrationsList, filters } = params;
        await engine.diagnoseMigrationHistory({ migrationsList, filters, optInToShadowDatabase: true });
        return engine[method](params);
      }
    }
    default:
      if (!ENGINE_METHODS.has(method))
        throw Object.assign(new Error(`Method not found: ${method}`), { rpcCode: -32601 });
      return (await getEngine())[method](params);
  }
}

// ---- JSON-RPC over stdio ----

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);

const cliCalls = new Map();
let nextCallId = 0;
function callCli(method, params) {
  const id = nextCallId++;
  send({ id, method, params });
  return new Promise((resolve) => cliCalls.set(id, resolve));
}

// A panic in code the wasm engine runs from a JS callback escapes the request's promise. It fails
// the request instead of the process: the CLI does not report an engine that just exits.
const crash = (error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
};
let failCurrentRequest = crash;
process.on("uncaughtException", (error) => failCurrentRequest(error));

async function respond({ id, method, params }) {
  let reply;
  shadowDatabaseError = undefined;
  try {
    // After a panic the wasm instance is in an unknown state: fail everything that follows.
    if (panicMessage !== undefined) throw new Error(panicMessage);
    const failed = new Promise((_, reject) => (failCurrentRequest = reject));
    reply = { result: (await Promise.race([handle(method, params), failed])) ?? null };
  } catch (error) {
    reply = { error: rpcError(shadowDatabaseError ?? error) };
  } finally {
    failCurrentRequest = crash;
  }
  if (id !== undefined) send({ id, ...reply });
}

function rpcError(error) {
  if (error.rpcCode) return { code: error.rpcCode, message: error.message };
  if (panicMessage !== undefined || error instanceof WebAssembly.RuntimeError) {
    const message = panicMessage ?? String(error);
    return { code: 4466, message, data: { is_panic: true, message, backtrace: error.stack } };
  }
  return { code: 4466, message: "An error happened. Check the data field for details.", data: errorData(error) };
}

function serveJsonRpc() {
  log("INFO", { message: "Starting schema engine RPC server", git_hash: wasm.version() });
  let queue = Promise.resolve(); // one request at a time: the wasm engine is not re-entrant
  createInterface({ input: process.stdin, crlfDelay: Infinity })
    .on("line", (line) => {
      const message = JSON.parse(line);
      if (message.method === undefined) cliCalls.get(message.id)?.(message.result);
      else queue = queue.then(() => respond(message));
    })
    .on("close", () => queue.then(() => exit(0)));
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => exit(0));
}

// ---- One-shot commands ----

async function runCliCommand(command) {
  log("INFO", { message: "Starting schema engine CLI", git_hash: wasm.version() });
  try {
    if (!datasource.url) throw new Error("The schema engine needs `datasource.url` in prisma.config.ts.");
    if (command === "create-database") {
      const { databaseName } = await createDatabase(datasource.url);
      log("INFO", { message: `Database '${databaseName}' was successfully created.` });
    } else if (command === "can-connect-to-database") {
      await withClient(datasource.url, () => {});
      log("INFO", { message: "Connection successful" });
    } else {
      throw new Error(`Unsupported command: cli ${command}`);
    }
    await exit(0);
  } catch (error) {
    const { error_code = "", message } = errorData(error);
    log("ERROR", { is_panic: false, error_code, message }, "schema_engine::logger");
    await exit(1);
  }
}

if (args.version) {
  // As the native `schema-engine-cli <hash>`, plus the npm package the engine comes from.
  const { version } = JSON.parse(readFileSync(fileURLToPath(new URL("package.json", wasmFile)), "utf8"));
  process.stdout.write(
    `schema-engine-wasm ${wasm.version()} (WebAssembly fallback, @prisma/schema-engine-wasm@${version})\n`,
  );
} else if (positionals[0] === "cli") {
  await runCliCommand(positionals[1]);
} else {
  serveJsonRpc();
}
