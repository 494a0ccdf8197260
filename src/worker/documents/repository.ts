/**
 * The documents of one user: every statement here is scoped to the owner,
 * the verified token's subject, so another user's document id finds nothing
 * (NOT_FOUND: whether it exists is not told).
 */
import { TRPCError } from "@trpc/server";
import { sql } from "kysely";

import type { WorkerTx } from "../db";
import type { DocumentSummary } from "~/contract/document-summary";
import { NOT_RETRYABLE_MESSAGE } from "./failure";
import { SUMMARY_COLUMNS, toSummary } from "./summary";

/** The SET of a change, for an UPDATE "document": the live feed (change-feed.ts) reads what moved. */
export const MARK_CHANGED = {
  changeSeq: sql<string>`nextval(pg_get_serial_sequence('document', 'changeSeq'))`,
  updatedAt: sql<Date>`clock_timestamp()`,
};

export function notFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "No such document." });
}

/** The user's documents, newest first. */
export async function listDocuments(tx: WorkerTx, userId: string): Promise<DocumentSummary[]> {
  const rows = await tx
    .selectFrom("document")
    .select(SUMMARY_COLUMNS)
    .where("userId", "=", userId)
    .orderBy("createdAt", "desc")
    .orderBy("id")
    .execute();
  return rows.map(toSummary);
}

export async function getDocument(tx: WorkerTx, userId: string, id: string): Promise<DocumentSummary> {
  const row = await tx
    .selectFrom("document")
    .select(SUMMARY_COLUMNS)
    .where("id", "=", id)
    .where("userId", "=", userId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return toSummary(row);
}

/** Deletes the document, its original and its chunks (ON DELETE CASCADE); a queued job then finds nothing and ends. */
export async function deleteDocument(tx: WorkerTx, userId: string, id: string): Promise<void> {
  const { numDeletedRows } = await tx
    .deleteFrom("document")
    .where("id", "=", id)
    .where("userId", "=", userId)
    .executeTakeFirst();
  if (!numDeletedRows) throw notFound();
}

/**
 * Puts a failed document back in the queue's hands: the caller enqueues its
 * job in the same transaction. Only a failed one (retrying a document that is
 * still being worked on would run it twice), and only if a retry may help:
 * a file that cannot be read fails the same way again (failure.ts).
 */
export async function requeueFailedDocument(tx: WorkerTx, userId: string, id: string): Promise<DocumentSummary> {
  // Locked: two retries at once requeue it once, the second finds it queued.
  const row = await tx
    .selectFrom("document")
    .select(SUMMARY_COLUMNS)
    .where("id", "=", id)
    .where("userId", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound();
  const current = toSummary(row);
  if (current.status !== "failed")
    throw new TRPCError({
      code: "CONFLICT",
      message: `Only a failed document can be retried: this one is ${current.status}.`,
    });
  if (!current.retryable) throw new TRPCError({ code: "BAD_REQUEST", message: NOT_RETRYABLE_MESSAGE });
  const requeued = await tx
    .updateTable("document")
    .set({ status: "queued", progress: 0, failureReason: null, ...MARK_CHANGED })
    .where("id", "=", id)
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirstOrThrow();
  return toSummary(requeued);
}

/** What the user holds, for the quotas. */
export async function usageOf(tx: WorkerTx, userId: string): Promise<{ documents: number; bytes: number }> {
  const usage = await tx
    .selectFrom("document")
    .select((eb) => [
      eb.cast<number>(eb.fn.countAll(), "integer").as("documents"),
      eb.cast<string | null>(eb.fn.sum("sizeBytes"), "bigint").as("bytes"),
    ])
    .where("userId", "=", userId)
    .executeTakeFirstOrThrow();
  return { documents: usage.documents, bytes: Number(usage.bytes ?? 0) };
}
