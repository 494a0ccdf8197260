import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createAuth, type Auth } from "~/server/auth";
import { createPrismaClient } from "~/server/db/prisma";
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { signWorkerToken } from "~/server/worker-token";
import { migrateDeploy } from "../../tooling/prisma-cli";
import { createTestDatabase } from "../support/test-database";

// Two web processes on one database, as a deployment with two replicas: each
// its own Better Auth and its own connection pool. A burst of mints when no
// key is live (the first start, then each rotation) must make exactly one
// new key between them, and every token of the burst is signed with it.

const ROTATION_SECONDS = 2;
const BURST = 40;

let dropDatabase: () => Promise<void>;
let clients: PrismaClient[];
let webs: Auth[];

beforeAll(async () => {
  const database = await createTestDatabase(inject("testServerUrl"));
  dropDatabase = database.drop;
  await migrateDeploy(database.url);
  clients = [createPrismaClient(database.url), createPrismaClient(database.url)];
  webs = clients.map((db) =>
    createAuth({
      db,
      secret: process.env.BETTER_AUTH_SECRET!,
      baseURL: process.env.BETTER_AUTH_URL!,
      workerTokenTtl: 900,
      keyRotationInterval: ROTATION_SECONDS,
      keyGracePeriod: 60,
    }),
  );
});

afterAll(async () => {
  await Promise.all(clients.map((db) => db.$disconnect()));
  await dropDatabase();
});

const subject = { user: { id: "u-keys", email: "keys@example.test", name: "Keys" }, session: { id: "s-keys" } };

/** BURST mints at once, alternating between the two web processes; the kid each token names. */
async function burst(): Promise<string[]> {
  const tokens = await Promise.all(
    Array.from({ length: BURST }, (_, n) => signWorkerToken(webs[n % webs.length]!, subject, { ttlSeconds: 900 })),
  );
  return tokens.map(({ token }) => decodeProtectedHeader(token).kid!);
}

const keyRows = () => clients[0]!.jwks.findMany({ orderBy: { createdAt: "asc" } });

describe("signing-key creation across web processes", () => {
  it("makes one key when many first mints and key-set reads race on an empty table", async () => {
    expect(await keyRows()).toHaveLength(0);

    // The key-set endpoint makes a key too when there is none.
    const jwksReads = webs.map((web) => web.handler(new Request(`${process.env.BETTER_AUTH_URL}/api/auth/jwks`)));
    const [kids, responses] = await Promise.all([burst(), Promise.all(jwksReads)]);

    const rows = await keyRows();
    expect(rows.map((row) => row.id)).toEqual([kids[0]]);
    expect(new Set(kids)).toEqual(new Set([rows[0]!.id]));
    for (const response of responses) {
      const { keys } = (await response.json()) as { keys: { kid: string }[] };
      expect(keys.map((key) => key.kid)).toEqual([rows[0]!.id]);
    }
  });

  it("makes one new key per rotation when a burst of mints meets an expired key", async () => {
    for (let rotation = 1; rotation <= 2; rotation++) {
      const before = await keyRows();
      const current = before.at(-1)!;
      // Every mint of the burst finds the current key expired.
      await new Promise((resolve) => setTimeout(resolve, current.expiresAt!.getTime() - Date.now() + 20));

      const kids = await burst();

      const after = await keyRows();
      expect(after).toHaveLength(before.length + 1);
      const added = after.at(-1)!;
      expect(added.id).not.toBe(current.id);
      expect(new Set(kids)).toEqual(new Set([added.id]));
      // Its lifetime runs from when it was made, not from when a waiting mint generated its pair.
      expect(added.expiresAt!.getTime() - added.createdAt.getTime()).toBe(ROTATION_SECONDS * 1000);
    }
  });
});
