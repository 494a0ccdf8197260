import { TRPCError } from "@trpc/server";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createWorkerDb, WORKER_DB_ROLE, type WorkerDb, type WorkerTx } from "~/worker/db";
import { freePorts } from "../../tooling/child-service";
import { insertUser } from "../support/documents";

// db.ts's asWorker, the one way the worker's queries reach the database:
// one transaction, as app_worker, its failures told apart.

const databaseUrl = inject("databaseUrl");

let db: WorkerDb;

function insertDocument(tx: WorkerTx, userId: string, id = `doc-${crypto.randomUUID()}`) {
  return tx
    .insertInto("document")
    .values({ id, userId, name: "a.md", kind: "markdown", mimeType: "text/markdown", sizeBytes: 1, sha256: "" })
    .execute();
}

beforeAll(() => {
  // One connection: a transaction that failed must not leave the pool unusable.
  db = createWorkerDb(databaseUrl, { max: 1 });
});

afterAll(async () => {
  await db.close();
});

describe("asWorker", () => {
  it("runs the work as app_worker, read-only when asked", async () => {
    const role = await db.asWorker(
      async (tx) => (await sql<{ role: string }>`SELECT current_user AS role`.execute(tx)).rows[0]?.role,
      { readOnly: true },
    );
    expect(role).toBe(WORKER_DB_ROLE);
    const user = await insertUser(databaseUrl);
    await expect(db.asWorker((tx) => insertDocument(tx, user), { readOnly: true })).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it("rolls everything back and reports the work's own error, then serves the next transaction", async () => {
    const user = await insertUser(databaseUrl);
    const id = `doc-${crypto.randomUUID()}`;
    const boom = new Error("the work failed");
    await expect(
      db.asWorker(async (tx) => {
        await insertDocument(tx, user, id);
        throw boom;
      }),
    ).rejects.toBe(boom);
    const left = await db.asWorker((tx) => tx.selectFrom("document").select("id").where("id", "=", id).execute(), {
      readOnly: true,
    });
    expect(left).toEqual([]);
  });

  it("reports a failed statement as the database's error, not as unavailability", async () => {
    const error = await db.asWorker((tx) => sql`SELECT * FROM "no_such_table"`.execute(tx)).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "42P01" });
  });

  it("is SERVICE_UNAVAILABLE when no connection can be had", async () => {
    const [port] = await freePorts(1);
    const nowhere = createWorkerDb(`postgresql://postgres@127.0.0.1:${port}/postgres`, { max: 1 });
    try {
      const error = await nowhere.asWorker(async () => "never").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCError);
      expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    } finally {
      await nowhere.close();
    }
  });
});
