/**
 * The documents of one user: every statement here is scoped to the owner,
 * the verified token's subject, so another user's document id finds nothing
 * (NOT_FOUND: whether it exists is not told).
 */
import { TRPCError } from "@trpc/server";

import type { WorkerTx } from "../db";
import type { DocumentSummary } from "~/contract/document-summary";
import { SUMMARY_COLUMNS, toSummary, type DocumentSummaryRow } from "./summary";

/** The SET list that records a change: the live feed (change-feed.ts) reads what moved. */
export const MARK_CHANGED = `"changeSeq" = nextval(pg_get_serial_sequence('document', 'changeSeq')), "updatedAt" = clock_timestamp()`;

export function notFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "No such document." });
}

/** The user's documents, newest first. */
export async function listDocuments(tx: WorkerTx, userId: string): Promise<DocumentSummary[]> {
  const { rows } = await tx.query<DocumentSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM "document" WHERE "userId" = $1 ORDER BY "createdAt" DESC, "id"`,
    [userId],
  );
  return rows.map(toSummary);
}

export async function getDocument(tx: WorkerTx, userId: string, id: string): Promise<DocumentSummary> {
  const { rows } = await tx.query<DocumentSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM "document" WHERE "id" = $1 AND "userId" = $2`, [
    id,
    userId,
  ]);
  if (!rows[0]) throw notFound();
  return toSummary(rows[0]);
}

/** Deletes the document, its original and its chunks (ON DELETE CASCADE); a queued job then finds nothing and ends. */
export async function deleteDocument(tx: WorkerTx, userId: string, id: string): Promise<void> {
  const { rowCount } = await tx.query(`DELETE FROM "document" WHERE "id" = $1 AND "userId" = $2`, [id, userId]);
  if (!rowCount) throw notFound();
}

/**
 * Puts a failed document back in the queue's hands: the caller enqueues its
 * job in the same transaction. Only a failed one: retrying a document that is
 * still being worked on would run it twice.
 */
export async function requeueFailedDocument(tx: WorkerTx, userId: string, id: string): Promise<DocumentSummary> {
  const { rows } = await tx.query<DocumentSummaryRow>(
    `UPDATE "document" SET "status" = 'queued', "progress" = 0, "failureReason" = NULL, ${MARK_CHANGED}
     WHERE "id" = $1 AND "userId" = $2 AND "status" = 'failed' RETURNING ${SUMMARY_COLUMNS}`,
    [id, userId],
  );
  if (rows[0]) return toSummary(rows[0]);
  const current = await getDocument(tx, userId, id);
  throw new TRPCError({ code: "CONFLICT", message: `Only a failed document can be retried: this one is ${current.status}.` });
}

/** What the user holds, for the quotas. */
export async function usageOf(tx: WorkerTx, userId: string): Promise<{ documents: number; bytes: number }> {
  const { rows } = await tx.query<{ documents: number; bytes: string | null }>(
    `SELECT count(*)::int AS "documents", sum("sizeBytes")::bigint AS "bytes" FROM "document" WHERE "userId" = $1`,
    [userId],
  );
  return { documents: rows[0]!.documents, bytes: Number(rows[0]!.bytes ?? 0) };
}
