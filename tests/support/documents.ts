import { randomUUID } from "node:crypto";

import type { WorkerDb } from "~/worker/db";
import { queryOnce } from "./test-database";

/** A "user" row straight in the database (for the document's foreign key), as the owner login. */
export async function insertUser(databaseUrl: string): Promise<string> {
  const id = `user-${randomUUID()}`;
  await queryOnce(databaseUrl, `INSERT INTO "user" ("id", "name", "email") VALUES ($1, 'Feed Tester', $2)`, [id, `${id}@example.test`]);
  return id;
}

/** A queued document of `userId`, written as the worker writes (asWorker); returns its id and changeSeq. */
export async function insertDocument(db: WorkerDb, userId: string, name = "notes.md"): Promise<{ id: string; changeSeq: string }> {
  const id = `doc-${randomUUID()}`;
  const rows = await db.asWorker(
    async (tx) =>
      (
        await tx.query<{ changeSeq: string }>(
          `INSERT INTO "document" ("id", "userId", "name", "kind", "mimeType", "sizeBytes", "sha256", "updatedAt")
           VALUES ($1, $2, $3, 'markdown', 'text/markdown', 10, repeat('0', 64), clock_timestamp()) RETURNING "changeSeq"`,
          [id, userId, name],
        )
      ).rows,
  );
  return { id, changeSeq: rows[0]!.changeSeq };
}

/** The SET list the ingestion writes on every change: a new changeSeq and "updatedAt". */
export const TOUCH = `"changeSeq" = nextval(pg_get_serial_sequence('document', 'changeSeq')), "updatedAt" = clock_timestamp()`;

/** Moves a document's progress, as ingestion does; returns the new changeSeq. */
export async function setProgress(db: WorkerDb, id: string, progress: number): Promise<string> {
  const rows = await db.asWorker(
    async (tx) =>
      (await tx.query<{ changeSeq: string }>(`UPDATE "document" SET "progress" = $2, ${TOUCH} WHERE "id" = $1 RETURNING "changeSeq"`, [id, progress]))
        .rows,
  );
  return rows[0]!.changeSeq;
}
