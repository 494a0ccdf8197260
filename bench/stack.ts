/**
 * The stack every bench script measures, started on free ports from the
 * production build: a database (DATABASE_URL, or a throwaway embedded PostgreSQL),
 * the web tier and one or more workers. runBench() owns the run around it:
 * whatever it started is stopped when the script ends, fails or is
 * interrupted, and a failure names what went wrong with the servers' last
 * log lines.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { errorMessage } from "~/contract/error-message";
import { BUILD_OUTPUT, PROJECT_ROOT } from "../tooling/build-output";
import { freePortGroups, processName, tailOf, type ChildService } from "../tooling/child-service";
import { startEmbeddedPostgres } from "../tooling/embedded-postgres";
import { buildProduction, builtWebTier, builtWorker, type Process } from "../tooling/production-build";
import { startMailCatcher } from "../tooling/mail-catcher";
import { migrateDeploy } from "../tooling/prisma-cli";
import { createTestDatabase } from "../tests/support/test-database";
import { seconds } from "./table";

type Env = Record<string, string>;

// Undone last-in first-out: servers stop before the database they use, the
// database before its directory is removed.
const cleanups: (() => Promise<unknown>)[] = [];
const started: ChildService[] = [];
let cleaning: Promise<void> | undefined;
let workDir: string | undefined;
let logsKept = false;

/**
 * Runs `main`, then stops everything it started and exits: with the code
 * `main` returned (0 if none), 1 when it threw (its message and the
 * servers' log tails printed, the logs kept), 130 on SIGINT/SIGTERM.
 */
// `void`: a main that returns nothing (bench.ts's) is as good as one that returns 0.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export async function runBench(main: () => Promise<number | void>): Promise<never> {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping what the benchmark started…`);
      void cleanUp().then(() => process.exit(130));
    });
  }

  const dir = (workDir = await mkdtemp(path.join(os.tmpdir(), "bench-")));
  cleanups.push(() => (logsKept ? Promise.resolve() : rm(dir, { recursive: true, force: true })));

  try {
    const code = await main();
    await cleanUp();
    process.exit(code ?? 0);
  } catch (error) {
    if (!interrupted) {
      console.error(`\nbench could not run: ${errorMessage(error)}`);
      for (const service of started) {
        console.error(
          `\n--- last lines of ${service.spec.name}'s log (${service.spec.logFile}) ---\n${await tailOf(service.spec.logFile, 15)}`,
        );
      }
      console.error(`\nLogs kept in ${keepLogs()}`);
    }
    await cleanUp();
    process.exit(1);
  }
}

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((error: unknown) => console.error(`cleanup: ${errorMessage(error)}`));
    }
  })();
  return cleaning;
}

/** Leaves this run's logs (the work directory) in place when it ends, for a reader of its failures; returns where. */
export function keepLogs(): string {
  if (!workDir) throw new Error("keepLogs() outside runBench()");
  logsKept = true;
  return workDir;
}

/** Where a server (or the build) of this run writes its output. */
export function logFile(name: string): string {
  return workPath(`${name}.log`);
}

/** A path in this run's work directory, which goes away with it (unless the logs are kept): for files a bench makes to use. */
export function workPath(name: string): string {
  if (!workDir) throw new Error("workPath() outside runBench()");
  return path.join(workDir, name);
}

/**
 * A fresh database on the PostgreSQL server `server` names, dropped at the
 * end; else DATABASE_URL when set; else a throwaway embedded PostgreSQL.
 */
export async function database(server?: string): Promise<string> {
  if (server) {
    const fresh = await createTestDatabase(server);
    cleanups.push(() => fresh.drop());
    console.log(`Database: ${fresh.description}, made for this run`);
    return fresh.url;
  }
  if (process.env.DATABASE_URL) {
    console.log("Database: PostgreSQL from DATABASE_URL");
    return process.env.DATABASE_URL;
  }
  if (!workDir) throw new Error("database() outside runBench()");
  const embedded = await startEmbeddedPostgres();
  cleanups.push(() => embedded.stop());
  console.log(`Database: a throwaway embedded PostgreSQL, at ${embedded.url}`);
  return embedded.url;
}

/** `npm run build`, unless --no-build was given and a build is there. */
export async function build(): Promise<void> {
  const outputs = [BUILD_OUTPUT.webServer, BUILD_OUTPUT.worker, BUILD_OUTPUT.extractThread];
  if (process.argv.includes("--no-build")) {
    if (outputs.every((file) => existsSync(path.join(PROJECT_ROOT, file)))) {
      const buildId = readFileSync(path.join(PROJECT_ROOT, ".next/BUILD_ID"), "utf8").trim();
      console.log(`Build: skipped (--no-build), using the existing build ${buildId}`);
      return;
    }
    console.log(`Build: --no-build given, but ${outputs.join(" or ")} is missing, so building`);
  }
  console.log("Build: npm run build…");
  const begin = performance.now();
  await buildProduction({}, logFile("build"));
  console.log(`Build: done in ${seconds(performance.now() - begin)}`);
}

/** Starts `service`, to be stopped by the cleanup. */
export async function start(service: ChildService): Promise<ChildService> {
  // Interrupted: anything started now would outlive the cleanup.
  if (cleaning) throw new Error(`not starting ${service.spec.name}: stopping`);
  cleanups.push(() => service.stop());
  started.push(service);
  const begin = performance.now();
  await service.start().catch((error: unknown) => {
    throw new Error(`${service.spec.name} did not start (${service.spec.readyUrl}): ${errorMessage(error)}`, {
      cause: error,
    });
  });
  console.log(
    `Started ${service.spec.name} (pid ${String(service.pid)}), ready at ${service.spec.readyUrl} in ${seconds(performance.now() - begin)}`,
  );
  return service;
}

export interface Stack {
  databaseUrl: string;
  webUrl: string;
  web: ChildService;
  /** The first one is the web tier's WORKER_URL. */
  workers: Process[];
}

export interface StackOptions {
  /** Added to the web tier's environment. */
  web?: Env;
  /** One entry per worker process, added to its environment. */
  workers?: Env[];
  /** Each process opens the V8 inspector on a free port of its own (ChildService.spec.inspectPort). */
  inspect?: boolean;
  /** A PostgreSQL server URL to make a fresh database on (see database()). */
  databaseServer?: string;
}

/** The web tier's settings the worker reads too, under the same names. */
function sharedWithWorkers(webEnv: Env): Env {
  const shared: Env = {};
  for (const name of ["WORKER_TOKEN_TTL", "JWT_GRACE_PERIOD"])
    if (webEnv[name] !== undefined) shared[name] = webEnv[name];
  return shared;
}

/**
 * The database migrated, the build made (see build()), then the web tier
 * and the workers, configured as deployed: logging a line per request at
 * info, into files so no pipe ever fills.
 */
export async function startStack({
  web: webEnv = {},
  workers: workerEnvs = [{}],
  inspect = false,
  databaseServer,
}: StackOptions = {}): Promise<Stack> {
  const databaseUrl = await database(databaseServer);
  process.stdout.write(await migrateDeploy(databaseUrl));
  await build();

  // All in one call, so that no two of them are the same.
  const [[webPort], workerPorts, [webInspectPort], workerInspectPorts] = await freePortGroups(
    1,
    workerEnvs.length,
    inspect ? 1 : 0,
    inspect ? workerEnvs.length : 0,
  );
  const webUrl = `http://127.0.0.1:${webPort!}`;
  const workerUrls = workerPorts.map((port) => `http://127.0.0.1:${port}`);
  // The production build will not start without an SMTP server. The runs
  // sign users up and go straight on, so no verification is required.
  const mail = await startMailCatcher();
  cleanups.push(() => mail.stop());

  const web = await start(
    builtWebTier({
      port: webPort!,
      env: {
        LOG_LEVEL: "info",
        DATABASE_URL: databaseUrl,
        BETTER_AUTH_SECRET: randomBytes(32).toString("base64"),
        BETTER_AUTH_URL: webUrl,
        WORKER_URL: workerUrls[0]!,
        SMTP_URL: mail.smtpUrl,
        REQUIRE_EMAIL_VERIFICATION: "false",
        ...webEnv,
      },
      logFile: logFile("web"),
      inspectPort: webInspectPort,
    }),
  );
  const workers: Process[] = [];
  for (const [index, env] of workerEnvs.entries()) {
    const name = processName("worker", index, workerEnvs.length);
    const service = await start(
      builtWorker({
        name,
        port: workerPorts[index]!,
        // The worker checks each token's session in the session table and
        // reads the keys from the jwks table; the variables both tiers read
        // are the web tier's, as a deployment sets them alike.
        env: {
          LOG_LEVEL: "info",
          BETTER_AUTH_URL: webUrl,
          WORKER_DATABASE_URL: databaseUrl,
          ...sharedWithWorkers(webEnv),
          ...env,
        },
        logFile: logFile(name),
        inspectPort: workerInspectPorts[index],
      }),
    );
    workers.push({ url: workerUrls[index]!, service });
  }
  return { databaseUrl, webUrl, web, workers };
}
