import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";

import { POST } from "~/app/api/trpc/[trpc]/route";
import { createAuth } from "~/server/auth";
import { createPrismaClient } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { START_CHECK_TIMEOUT_MS } from "~/server/signing-key-check";
import { signWorkerToken } from "~/server/worker-token";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePorts } from "../../tooling/child-service";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { TestBrowser } from "../support/test-browser";
import { createTestDatabase, queryOnce } from "../support/test-database";

// A deployment whose BETTER_AUTH_SECRET changed: its signing key was made
// (and its private half encrypted) with the previous secret. The web tier
// must say so once at start and stop; a web tier that runs anyway (another
// replica made the key, say) must answer the exchange with a message a
// person can read, never Better Auth's internal one.

const PREVIOUS_SECRET = "previous-secret-previous-secret-0123456789";
const CURRENT_SECRET = "current-secret-current-secret-0123456789ab";

let databaseUrl: string;
let dropDatabase: () => Promise<void>;
let previousDb: ReturnType<typeof createPrismaClient> | undefined;
const environmentBefore = {
  DATABASE_URL: process.env.DATABASE_URL,
  BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET,
};

beforeAll(async () => {
  const database = await createTestDatabase(inject("testServerUrl"));
  databaseUrl = database.url;
  dropDatabase = database.drop;
  await migrateDeploy(databaseUrl);
  // This file's web tier (src/env.ts, the lazy auth and db, first read by
  // the tests below) runs on that database with the current secret.
  process.env.DATABASE_URL = databaseUrl;
  process.env.BETTER_AUTH_SECRET = CURRENT_SECRET;
});

afterAll(async () => {
  Object.assign(process.env, environmentBefore);
  await previousDb?.$disconnect();
  await dropDatabase();
});

/** The web tier before the change: makes the signing key with the previous secret. */
async function makeKeyWithPreviousSecret(): Promise<string> {
  previousDb ??= createPrismaClient(databaseUrl);
  const before = createAuth({
    db: previousDb,
    secret: PREVIOUS_SECRET,
    baseURL: process.env.BETTER_AUTH_URL!,
    workerTokenTtl: 900,
    keyGracePeriod: 60,
  });
  await signWorkerToken(
    before,
    { user: { id: "u-old", email: "old@example.test", name: "Old" }, session: { id: "s-old" } },
    { ttlSeconds: 900 },
  );
  const [row] = await queryOnce<{ id: string }>(databaseUrl, "SELECT id FROM jwks");
  return row!.id;
}

/** The web tier's start-up (src/instrumentation.ts's register) in a process of its own. */
function startWebTier(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script =
    "const { register } = await import('./src/instrumentation.ts'); await register(); console.log('started'); process.exit(0);";
  const child = spawn(process.execPath, ["--import", "tsx", "--eval", script], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      NEXT_RUNTIME: "nodejs",
      LOG_LEVEL: "info",
      // Production refuses to start without one (src/env.ts); nothing is sent at start.
      SMTP_URL: "smtp://127.0.0.1:25",
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("a changed BETTER_AUTH_SECRET", () => {
  it("stops the web tier at start with one line saying what happened and what to do", async () => {
    // No key yet: nothing to check, the first mint makes one with this secret.
    const empty = await startWebTier({ DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: CURRENT_SECRET });
    expect(empty).toMatchObject({ code: 0, stderr: "" });
    expect(empty.stdout).toContain("started");

    const keyId = await makeKeyWithPreviousSecret();
    const [changed, unchanged] = await Promise.all([
      startWebTier({ DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: CURRENT_SECRET }),
      startWebTier({ DATABASE_URL: databaseUrl, BETTER_AUTH_SECRET: PREVIOUS_SECRET }),
    ]);

    expect(changed.code).toBe(1);
    expect(changed.stdout).not.toContain("started");
    const lines = changed.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Signing key ${keyId} in the jwks table was encrypted with a different BETTER_AUTH_SECRET`),
    );
    expect(lines[0]).toContain("Restore the secret it was made with, or delete the jwks rows (DELETE FROM jwks)");
    expect(lines[0]).toContain("tokens already issued then fail");

    expect(unchanged).toMatchObject({ code: 0, stderr: "" });
    expect(unchanged.stdout).toContain("started");
  });

  it("does not keep the web tier down when the database refuses or never answers at start", async () => {
    const [closedPort] = await freePorts(1);
    // Accepts connections and says nothing: the check gives up after its timeout.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const runs = await Promise.all(
        [closedPort!, silentPort].map((port) =>
          startWebTier({
            DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres`,
            BETTER_AUTH_SECRET: CURRENT_SECRET,
          }),
        ),
      );
      for (const run of runs) {
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout).toContain(
          "signing keys not checked at start (the database did not answer); starting anyway",
        );
        expect(run.stdout).toContain("started");
      }
      expect(runs[1]!.stdout).toContain(`no answer within ${START_CHECK_TIMEOUT_MS / 1000} s`);
    } finally {
      silent.close();
    }
  });

  it("answers the exchange 503 with a readable message, logs the operator's line, and recovers once the keys are deleted", async () => {
    await queryOnce(databaseUrl, "DELETE FROM jwks");
    const keyId = await makeKeyWithPreviousSecret();
    const browser = new TestBrowser();
    await browser.signUp({ email: "changed-secret@example.test" });
    const logged = vi.spyOn(logger, "error");

    const exchange = async () => {
      const headers = browser.headers();
      headers.set("content-type", "application/json");
      const response = await POST(
        new Request(`${browser.origin}/api/trpc/auth.workerToken`, { method: "POST", headers, body: '{"json":null}' }),
      );
      return { status: response.status, text: await response.text() };
    };

    const refused = await exchange();
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: {
        json: {
          message: "Worker tokens cannot be issued right now. Try again later.",
          data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
        },
      },
    });
    expect(refused.text).not.toMatch(/decrypt|private key|secret|jwks/i);
    expect(logged).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringMatching(
        new RegExp(`^Signing key ${keyId} in the jwks table was encrypted with a different BETTER_AUTH_SECRET`),
      ),
    );

    // What the line says to do: without the old keys, the next mint makes one with this secret.
    await queryOnce(databaseUrl, "DELETE FROM jwks");
    const issued = await exchange();
    expect(issued.status).toBe(200);
    expect(issued.text).toContain('"token"');
  });
});
