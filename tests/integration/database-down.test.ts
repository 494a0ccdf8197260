import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as authGet } from "~/app/api/auth/[...all]/route";
import { GET as trpcGet } from "~/app/api/trpc/[trpc]/route";
import { proxy } from "~/proxy";
import { DATABASE_UNAVAILABLE } from "~/server/unavailable-answers";
import { freePorts } from "../../tooling/child-service";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../tooling/embedded-postgres";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { sourceWorker } from "../support/source-worker";
import { appOrigin, TestBrowser } from "../support/test-browser";
import { createTestDatabase } from "../support/test-database";

// The web tier's handlers (in this process) and a worker (a child process)
// on a PostgreSQL of this file's own, which it stops and starts again: while
// it is down every route answers a typed 503; once it is back, everything
// works again without restarting anything.

let dataDir: string;
let pgPort: number;
let postgres: EmbeddedPostgres;
let worker: ReturnType<typeof sourceWorker>;
const browser = new TestBrowser();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "database-down-"));
  const [port, workerPort] = await freePorts(2);
  pgPort = port!;
  postgres = await startEmbeddedPostgres({ dataDir, port: pgPort });
  const database = await createTestDatabase(postgres.url);
  await migrateDeploy(database.url);
  // Before anything reads src/env.ts: the app's client, auth and the worker all use this database.
  process.env.DATABASE_URL = database.url;
  process.env.WORKER_URL = `http://127.0.0.1:${String(workerPort)}`;
  worker = sourceWorker({
    name: "database-down-worker",
    port: workerPort!,
    env: {
      BETTER_AUTH_URL: process.env.BETTER_AUTH_URL!,
      DATABASE_URL: database.url,
      LOG_LEVEL: "info",
    },
  });
  await worker.start();
  await browser.signUp();
});

afterAll(async () => {
  await worker?.stop();
  await postgres?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const page = (pathname: string) =>
  proxy(new NextRequest(`${appOrigin}${pathname}`, { headers: { cookie: browser.cookie } }));

const whoami = () => trpcGet(new Request(`${appOrigin}/api/trpc/worker.whoami`, { headers: browser.headers() }));

const getSession = () => authGet(new Request(`${appOrigin}/api/auth/get-session`, { headers: browser.headers() }));

describe("PostgreSQL stopped and started again under a running web tier", () => {
  it("answers 503 with Retry-After everywhere while it is down, and 200 again once it is back", async () => {
    // Up: the page renders (the proxy passes it on), the calls answer.
    expect((await page("/dashboard")).headers.get("x-middleware-next")).toBe("1");
    expect((await whoami()).status).toBe(200);
    expect((await getSession()).status).toBe(200);

    await postgres.stop();

    // Sessions confirmed in the last second may still be answered from memory
    // (docs/decisions/0026); within a poll or two the process knows, and the
    // tRPC answer is typed.
    await expect.poll(async () => (await whoami()).status, { timeout: 3_000, interval: 100 }).toBe(503);
    const call = await whoami();
    expect(call.status).toBe(503);
    expect(call.headers.get("retry-after")).toBe(String(DATABASE_UNAVAILABLE.retryAfterSeconds));
    expect(await call.json()).toMatchObject({
      error: {
        json: { message: DATABASE_UNAVAILABLE.message, data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 } },
      },
    });

    const session = await getSession();
    expect(session.status).toBe(503);
    expect(session.headers.get("retry-after")).toBe(String(DATABASE_UNAVAILABLE.retryAfterSeconds));
    expect(await session.json()).toEqual({
      code: "SERVICE_UNAVAILABLE",
      reason: "database_unavailable",
      message: DATABASE_UNAVAILABLE.message,
    });

    const dashboard = await page("/dashboard");
    expect(dashboard.status).toBe(503);
    expect(dashboard.headers.get("retry-after")).toBe(String(DATABASE_UNAVAILABLE.retryAfterSeconds));
    expect(dashboard.headers.get("content-type")).toContain("text/html");
    const html = await dashboard.text();
    expect(html).toContain("Temporarily unavailable");
    expect(html).toContain(`<meta http-equiv="refresh" content="${DATABASE_UNAVAILABLE.retryAfterSeconds}">`);

    postgres = await startEmbeddedPostgres({ dataDir, port: pgPort });

    // Nothing restarted: within a few probes (one a second) everything answers again.
    await expect
      .poll(async () => (await page("/dashboard")).headers.get("x-middleware-next"), { timeout: 10_000 })
      .toBe("1");
    await expect.poll(async () => (await getSession()).status, { timeout: 10_000 }).toBe(200);
    // The worker finds its database again by itself (its own retry).
    await expect.poll(async () => (await whoami()).status, { timeout: 20_000, interval: 500 }).toBe(200);
  }, 60_000);
});
