import { mkdirSync } from "node:fs";
import path from "node:path";

import { inject } from "vitest";

import { migrateDeploy } from "../../tooling/prisma-cli";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePortGroups, processName, type ChildService } from "../../tooling/child-service";
import { nginxBalancer, type Balancer } from "../../tooling/nginx";
import { builtWebTier, builtWorker, type Process } from "../../tooling/production-build";
import { SmtpInbox } from "../support/smtp-inbox";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/** Screenshots and server logs of e2e runs (git-ignored). */
export const E2E_OUTPUT = path.join(PROJECT_ROOT, "test-results/e2e");

/** One process of a tier, and where to reach it without the balancer. */
export type { Process };

export interface Stack {
  /** The app as browsers reach it (BETTER_AUTH_URL): the balancer's web address when there is one. */
  webUrl: string;
  /** Where the web tier's server reaches the worker (WORKER_URL). */
  workerUrl: string;
  /** Where the browser reaches it (NEXT_PUBLIC_WORKER_URL): another name for the same server, as in compose. */
  browserWorkerUrl: string;
  /** The first (or only) web process. */
  web: ChildService;
  /** The first (or only) worker. */
  worker: ChildService;
  webs: Process[];
  workers: Process[];
  /** nginx in front of both tiers, when asked for. */
  balancer?: Balancer;
  database: TestDatabase;
  /** The SMTP server every web process mails through (SMTP_URL), in this test process: what it received. */
  inbox: SmtpInbox;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Web processes (default 1). */
  webs?: number;
  /** Worker processes (default 1). */
  workers?: number;
  /** nginx (deploy/nginx.conf.template) in front of both tiers; each process still answers on its own port. */
  balancer?: boolean;
  /**
   * Added to every web process's environment. REQUIRE_EMAIL_VERIFICATION is
   * "false" unless given here: most suites sign up and go straight on.
   */
  webEnv?: Record<string, string>;
  /** Added to every worker's environment. */
  workerEnv?: Record<string, string>;
  /**
   * The host name in the web tier's URL (BETTER_AUTH_URL) without a balancer;
   * default 127.0.0.1. Passkeys need a domain there (WebAuthn refuses an IP
   * address as relying party): their suite says localhost.
   */
  webHost?: string;
  /** Every process opens the V8 inspector on a free port of its own (ChildService.spec.inspectPort), for load/memory.ts. */
  inspect?: boolean;
}

/** A brand-new, empty database on the e2e run's server (TEST_DATABASE_URL's, else an embedded one). */
export function createE2eDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject("testServerUrl"));
}

/**
 * The production build on a brand-new database, deployed the way the compose
 * file does it: migrations first, then the web tier, then the worker (which
 * fetches the web tier's keys). With a balancer, every process is configured
 * with the balancer's addresses, as behind a load balancer in production,
 * and the workers fetch their keys through it. Logs go to
 * test-results/e2e/<name>-*.log.
 */
export async function startStack(name: string, options: StackOptions = {}): Promise<Stack> {
  const {
    webs: webCount = 1,
    workers: workerCount = 1,
    balancer: balanced = false,
    webEnv = {},
    workerEnv = {},
    inspect = false,
    webHost = "127.0.0.1",
  } = options;
  mkdirSync(E2E_OUTPUT, { recursive: true });
  const database = await createE2eDatabase();
  // Production refuses to start without SMTP_URL; the web processes reach this server over TCP.
  const inbox = await SmtpInbox.start();
  const services: ChildService[] = [];
  const stop = async () => {
    for (const service of [...services].reverse()) await service.stop();
    await inbox.stop();
    await database.drop();
  };
  try {
    await migrateDeploy(database.url);
    const [webPorts, workerPorts, webInspectPorts, workerInspectPorts, balancerPorts] = await freePortGroups(
      webCount,
      workerCount,
      inspect ? webCount : 0,
      inspect ? workerCount : 0,
      balanced ? 2 : 0,
    );
    const local = (port: number) => `http://127.0.0.1:${port}`;

    let balancer: Balancer | undefined;
    if (balanced) {
      balancer = await nginxBalancer({
        web: webPorts.map((port) => `127.0.0.1:${port}`),
        workers: workerPorts.map((port) => `127.0.0.1:${port}`),
        webPort: balancerPorts[0]!,
        workerPort: balancerPorts[1]!,
        dir: path.join(E2E_OUTPUT, `${name}-nginx`),
        logFile: path.join(E2E_OUTPUT, `${name}-nginx.log`),
      });
    }
    const webUrl = balancer?.webUrl ?? `http://${webHost}:${String(webPorts[0]!)}`;
    const workerUrl = balancer?.workerUrl ?? local(workerPorts[0]!);
    const browserWorkerUrl = workerUrl.replace("127.0.0.1", "localhost");

    const webs = webPorts.map((port, index) => ({
      url: local(port),
      service: builtWebTier({
        name: processName("web", index, webCount),
        port,
        env: {
          DATABASE_URL: database.url,
          BETTER_AUTH_SECRET: inject("canaries").secret,
          BETTER_AUTH_URL: webUrl,
          WORKER_URL: workerUrl,
          NEXT_PUBLIC_WORKER_URL: browserWorkerUrl,
          LOG_LEVEL: "info",
          SMTP_URL: inbox.url,
          REQUIRE_EMAIL_VERIFICATION: "false",
          // nginx appends the one X-Forwarded-For entry to believe.
          ...(balancer ? { TRUSTED_PROXY_HOPS: "1" } : {}),
          ...webEnv,
        },
        logFile: path.join(E2E_OUTPUT, `${name}-${processName("web", index, webCount)}.log`),
        inspectPort: webInspectPorts[index],
      }),
    }));
    services.push(...webs.map((web) => web.service));
    await Promise.all(webs.map((web) => web.service.start()));
    if (balancer) {
      services.push(balancer.service);
      await balancer.service.start();
    }
    const workers = workerPorts.map((port, index) => ({
      url: local(port),
      service: builtWorker({
        name: processName("worker", index, workerCount),
        port,
        env: { BETTER_AUTH_URL: webUrl, DATABASE_URL: database.url, LOG_LEVEL: "info", ...workerEnv },
        logFile: path.join(E2E_OUTPUT, `${name}-${processName("worker", index, workerCount)}.log`),
        inspectPort: workerInspectPorts[index],
      }),
    }));
    services.push(...workers.map((worker) => worker.service));
    // Together, as an orchestrator starts replicas: both fetch the key set at once.
    await Promise.all(workers.map((worker) => worker.service.start()));
    return {
      webUrl,
      workerUrl,
      browserWorkerUrl,
      web: webs[0]!.service,
      worker: workers[0]!.service,
      webs,
      workers,
      balancer,
      database,
      inbox,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
