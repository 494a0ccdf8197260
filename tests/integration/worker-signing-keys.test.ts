import { decodeProtectedHeader } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createAuth, type Auth } from "~/server/auth";
import { createPrismaClient } from "~/server/db/prisma";
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { signWorkerToken } from "~/server/worker-token";
import { createWorkerDb, WORKER_DB_ROLE, type WorkerDb } from "~/worker/db";
import { createKeyStore, retiredKeyVerifiesFor } from "~/worker/key-store";
import { freePorts } from "../../tooling/child-service";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { sourceWorker } from "../support/source-worker";
import { createTestDatabase } from "../support/test-database";

// The worker verifies with the public halves of the signing keys, read from
// Better Auth's jwks table as app_worker (src/worker/key-store.ts): no web
// tier has to answer for a token to be checked. A deployment of its own (a
// fresh database, a web tier's Better Auth rotating every 2 s with a 3 s
// grace, and a worker on that database) and no HTTP server for the web tier
// at all.

const ROTATION_SECONDS = 2;
const GRACE_SECONDS = 3;
const issuer = process.env.BETTER_AUTH_URL!;
const subject = { user: { id: "u-keys", email: "keys@example.test", name: "Keys" }, session: { id: "s-keys" } };

let databaseUrl: string;
let dropDatabase: () => Promise<void>;
let prisma: PrismaClient;
let web: Auth;
let workerDb: WorkerDb;

beforeAll(async () => {
  const database = await createTestDatabase(inject("testServerUrl"));
  databaseUrl = database.url;
  dropDatabase = database.drop;
  await migrateDeploy(databaseUrl);
  prisma = createPrismaClient(databaseUrl);
  web = createAuth({
    db: prisma,
    secret: process.env.BETTER_AUTH_SECRET!,
    baseURL: issuer,
    workerTokenTtl: 900,
    keyRotationInterval: ROTATION_SECONDS,
    keyGracePeriod: GRACE_SECONDS,
  });
  workerDb = createWorkerDb(databaseUrl, { max: 1 });
  await prisma.user.create({ data: { id: subject.user.id, email: subject.user.email, name: subject.user.name } });
  await prisma.session.create({
    data: {
      id: subject.session.id,
      token: "keys-session",
      userId: subject.user.id,
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
});

afterAll(async () => {
  await workerDb.close();
  await prisma.$disconnect();
  await dropDatabase();
});

const sign = () => signWorkerToken(web, subject, { ttlSeconds: 900 });
const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

/** What the web tier's /api/auth/jwks publishes now. */
async function published(): Promise<Record<string, unknown>[]> {
  const response = await web.handler(new Request(`${issuer}/api/auth/jwks`));
  return ((await response.json()) as { keys: Record<string, unknown>[] }).keys;
}

/** `sql` in a transaction as app_worker (as db.ts's asWorker runs it); always rolled back. */
async function asWorker(sql: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL ROLE ${WORKER_DB_ROLE}`);
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
}

describe("app_worker on the jwks table", () => {
  it("reads every column the JWKS route publishes or filters on", async () => {
    const { token } = await sign();
    const rows = await asWorker(`SELECT "id", "publicKey", "createdAt", "expiresAt", "alg", "crv" FROM "jwks"`);
    expect(rows).toContainEqual(
      expect.objectContaining({ id: kidOf(token), publicKey: expect.stringContaining('"x"'), alg: "EdDSA" }),
    );
  });

  it.each([
    ["the private keys", `SELECT "privateKey" FROM "jwks"`],
    ["whole rows (they hold the private key)", `SELECT * FROM "jwks"`],
    ["the private keys through a condition", `SELECT "id" FROM "jwks" WHERE "privateKey" LIKE '{%'`],
    ["writing a key", `UPDATE "jwks" SET "expiresAt" = NULL`],
    ["adding a key", `INSERT INTO "jwks" ("id", "publicKey", "privateKey", "createdAt") VALUES ('k', '{}', '', now())`],
    ["deleting keys", `DELETE FROM "jwks"`],
  ])("cannot touch %s", async (_, sql) => {
    await expect(asWorker(sql)).rejects.toThrow(/permission denied/);
  });
});

describe("the key store", () => {
  const store = () =>
    createKeyStore(workerDb, {
      retiredForMs: retiredKeyVerifiesFor({ gracePeriodSec: GRACE_SECONDS, tokenTtlSec: 900, clockToleranceSec: 5 }),
    });

  it("reads the keys /api/auth/jwks publishes, as it publishes them", async () => {
    await sign();
    const [keys, route] = await Promise.all([store().read(), published()]);
    expect(keys.map((key) => key.jwk).sort((a, b) => a.kid.localeCompare(b.kid))).toEqual(
      route.sort((a, b) => String(a.kid).localeCompare(String(b.kid))),
    );
  });

  it("leaves out a retired key once its grace has passed, when the JWKS route drops it", async () => {
    const retired = "key-retired-long-ago";
    const retiring = "key-in-its-grace";
    const { publicKey, privateKey } = await prisma.jwks.findFirstOrThrow();
    const past = (seconds: number) => new Date(Date.now() - seconds * 1000);
    await prisma.jwks.createMany({
      data: [
        { id: retired, publicKey, privateKey, createdAt: past(60), expiresAt: past(GRACE_SECONDS + 1), alg: "EdDSA" },
        { id: retiring, publicKey, privateKey, createdAt: past(60), expiresAt: past(1), alg: "EdDSA" },
      ],
    });
    try {
      const [keys, route] = await Promise.all([store().read(), published()]);
      const kids = keys.map((key) => key.jwk.kid);
      expect(kids).toContain(retiring);
      expect(kids).not.toContain(retired);
      expect(route.map((key) => key.kid)).toEqual(expect.arrayContaining(kids));
      expect(route.map((key) => key.kid)).not.toContain(retired);
      // It stops verifying when the route stops publishing it.
      const inGrace = keys.find((key) => key.jwk.kid === retiring)!;
      expect(Math.abs(inGrace.usableUntil - (Date.now() - 1000 + GRACE_SECONDS * 1000))).toBeLessThan(500);
    } finally {
      await prisma.jwks.deleteMany({ where: { id: { in: [retired, retiring] } } });
    }
  });

  it("keeps a retired key no longer than a token signed with it can live, whatever the grace", () => {
    expect(retiredKeyVerifiesFor({ gracePeriodSec: 30 * 24 * 3600, tokenTtlSec: 900, clockToleranceSec: 5 })).toBe(
      905_000,
    );
    expect(retiredKeyVerifiesFor({ gracePeriodSec: 3, tokenTtlSec: 900, clockToleranceSec: 5 })).toBe(3_000);
  });
});

describe("a worker reading the keys from the database", () => {
  let worker: ReturnType<typeof sourceWorker>;

  beforeAll(async () => {
    const [port] = await freePorts(1);
    worker = sourceWorker({
      name: "keys-worker",
      port: port!,
      env: {
        BETTER_AUTH_URL: issuer,
        WORKER_DATABASE_URL: databaseUrl,
        JWT_GRACE_PERIOD: String(GRACE_SECONDS),
        LOG_LEVEL: "info",
      },
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
  });

  const status = async (token: string) => {
    const response = await fetch(`${worker.url}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { error?: { data: { reason: string } } };
    return body.error ? `${response.status} ${body.error.data.reason}` : String(response.status);
  };

  it("accepts a key rotated in a moment ago within a second; the old one until its grace ends, then not even remembered tokens", async () => {
    const before = await sign();
    expect(await status(before.token)).toBe("200");
    const oldKey = await prisma.jwks.findUniqueOrThrow({ where: { id: kidOf(before.token) } });

    // Past the rotation: the next mint commits a new key and signs with it at once.
    await new Promise((resolve) => setTimeout(resolve, oldKey.expiresAt!.getTime() - Date.now() + 50));
    const after = await sign();
    expect(kidOf(after.token)).not.toBe(kidOf(before.token));
    const started = performance.now();
    expect(await status(after.token)).toBe("200");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await status(before.token)).toBe("200");

    // Past the old key's grace: the JWKS route no longer publishes it, and
    // the worker refuses its token, which it had verified and remembered.
    await new Promise((resolve) =>
      setTimeout(resolve, oldKey.expiresAt!.getTime() + GRACE_SECONDS * 1000 - Date.now() + 50),
    );
    expect((await published()).map((key) => key.kid)).not.toContain(kidOf(before.token));
    expect(await status(before.token)).toBe("401 unknown_key");
    expect(await status(after.token)).toBe("200");
  });

  it("answers 503 for keys, and /readyz says why, while it cannot reach the database", async () => {
    const [port, closedPort] = await freePorts(2);
    const unreachable = new URL(databaseUrl);
    unreachable.port = String(closedPort);
    const cutOff = sourceWorker({
      name: "keys-worker-no-db",
      port: port!,
      env: { BETTER_AUTH_URL: issuer, WORKER_DATABASE_URL: unreachable.toString(), LOG_LEVEL: "info" },
    });
    await cutOff.start();
    try {
      const { token } = await sign();
      const response = await fetch(`${cutOff.url}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        error: { message: "The worker cannot load its signing keys.", data: { code: "SERVICE_UNAVAILABLE" } },
      });
      const ready = await fetch(`${cutOff.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: "not_ready",
        reason: "The signing keys could not be read from the database.",
      });
    } finally {
      await cutOff.stop();
    }
  });
});
