/**
 * POST /documents: a file straight from the browser, streamed into the
 * original store as it arrives (one part in memory at a time, never the
 * whole file), in the transaction that also creates the document row and its
 * ingestion job. Everything that can be refused is refused before a byte is
 * stored: the token, the name, the declared size, the quotas, the type from
 * the first bytes. A body longer than the limit is cut off where it crosses
 * it, the transaction rolled back and the connection closed.
 *
 * The body is the file itself (application/octet-stream), its name in the
 * percent-encoded `x-file-name` header: no multipart parsing, and XHR's
 * upload progress events work on it as they do on a form.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { TRPCError } from "@trpc/server";
import { sql } from "kysely";

import type { Logger } from "~/worker/logger";
import { authenticate, type AuthenticationContext } from "../authenticate";
import type { WorkerDb, WorkerTx } from "../db";
import { Refusal, sendError } from "../http-answers";
import type { JobQueue } from "../jobs/queue";
import { sendJson } from "../trpc-http";
import { DETECTION_HEAD_BYTES, detectDocumentType } from "./extract/detect";
import { enqueueIngestion } from "./ingest-job";
import { BUSY_RETRY_AFTER_SECONDS, megabytes, tooLargeMessage, type DocumentLimits } from "~/contract/document-limits";
import type { UserSlots } from "../user-slots";
import { OriginalTooLarge, type OriginalStore } from "./original-store";
import { MARK_CHANGED, usageOf } from "./repository";
import { FILE_NAME_HEADER, type UploadAnswer } from "~/contract/document-routes";
import { SUMMARY_COLUMNS, toSummary } from "./summary";

export interface UploadDependencies {
  db: WorkerDb;
  store: OriginalStore;
  queue: JobQueue;
  limits: DocumentLimits;
  /**
   * How many uploads may stream in at once (each holds a database connection
   * while its body arrives): MAX_UPLOADS_IN_FLIGHT in all (upload-pool.ts),
   * MAX_UPLOADS_IN_FLIGHT_PER_USER of one user.
   */
  uploads: UserSlots;
}

export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthenticationContext,
  { db, store, queue, limits, uploads }: UploadDependencies,
): Promise<void> {
  let caller;
  try {
    caller = await authenticate(ctx);
  } catch (error) {
    if (error instanceof TRPCError) return sendError(res, error, { close: true });
    throw error;
  }
  const log: Logger = ctx.log.child({ userId: caller.userId });

  if (uploads.take(caller.userId) !== true) {
    res.setHeader("retry-after", String(BUSY_RETRY_AFTER_SECONDS));
    const busy = new Refusal(
      "SERVICE_UNAVAILABLE",
      "The worker is receiving as many uploads as it can: try again in a moment.",
      "busy",
    );
    return sendError(res, busy, { close: true, reason: "busy" });
  }
  try {
    const name = fileNameOf(req);
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (declared > limits.maxUploadBytes) throw tooLarge(limits.maxUploadBytes);
    await checkQuota(db, caller.userId, limits, Number.isFinite(declared) ? declared : 0);

    const body = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head = await readHead(body, limits.maxUploadBytes);
    const detected = await detectDocumentType(head.bytes, name);
    if (!detected.ok)
      throw new Refusal(
        detected.code === "empty" ? "BAD_REQUEST" : "UNSUPPORTED_MEDIA_TYPE",
        detected.message,
        detected.code,
      );

    const id = randomUUID();
    const document = await db.asWorker(async (tx) => {
      await tx
        .insertInto("document")
        .values({
          id,
          userId: caller.userId,
          name,
          kind: detected.kind,
          mimeType: detected.mimeType,
          sizeBytes: 0,
          sha256: "",
        })
        .execute();
      const stored = await store.put(tx, id, rest(head, body), limits.maxUploadBytes);
      // Checked again, now under the user's lock, with this file counted:
      // uploads running side by side cannot together pass a quota.
      await sql`SELECT pg_advisory_xact_lock(hashtextextended('document-quota:' || ${caller.userId}, 0))`.execute(tx);
      await checkQuotaIn(tx, caller.userId, limits, stored.sizeBytes);
      const row = await tx
        .updateTable("document")
        // Marked changed now, at commit, not when the row was inserted before
        // the body arrived: the live feed's lookback counts from here.
        .set({ sizeBytes: stored.sizeBytes, sha256: stored.sha256, ...MARK_CHANGED })
        .where("id", "=", id)
        .returning(SUMMARY_COLUMNS)
        .executeTakeFirstOrThrow();
      await enqueueIngestion(queue, tx, id);
      return toSummary(row);
    });
    log.info({ documentId: id, kind: document.kind, bytes: document.sizeBytes }, "document uploaded");
    sendJson(res, 201, { document } satisfies UploadAnswer);
  } catch (error) {
    if (error instanceof OriginalTooLarge)
      return sendError(res, tooLarge(limits.maxUploadBytes), { close: true, reason: "too_large" });
    if (error instanceof Refusal) return sendError(res, error, { close: !req.complete, reason: error.reason });
    if (error instanceof TRPCError) return sendError(res, error, { close: !req.complete });
    // The client went away mid-upload: nothing was committed, no one to answer.
    if (req.destroyed || (error as NodeJS.ErrnoException).code === "ECONNRESET") {
      log.info("upload aborted by the client");
      res.destroy();
      return;
    }
    throw error;
  } finally {
    uploads.release(caller.userId);
  }
}

/** The name the user gave the file: shown in the list and used for the download; never a path. */
export function fileNameOf(req: IncomingMessage): string {
  const header = req.headers[FILE_NAME_HEADER];
  if (typeof header !== "string" || header === "") {
    throw new Refusal("BAD_REQUEST", `Name the file in the ${FILE_NAME_HEADER} header (percent-encoded).`, "no_name");
  }
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    throw new Refusal("BAD_REQUEST", `The ${FILE_NAME_HEADER} header is not valid percent-encoding.`, "bad_name");
  }
  // Only the last path segment, no control characters (a name ends up in a
  // Content-Disposition header and in log lines).
  name = (name.split(/[/\\]/u).pop() ?? "")
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .trim();
  if (name === "") throw new Refusal("BAD_REQUEST", "The file name is empty.", "bad_name");
  if (name.length > 255)
    throw new Refusal("BAD_REQUEST", "The file name is longer than 255 characters: rename it.", "bad_name");
  return name;
}

function tooLarge(maxBytes: number): Refusal {
  return new Refusal("PAYLOAD_TOO_LARGE", tooLargeMessage(maxBytes), "too_large");
}

async function checkQuota(db: WorkerDb, userId: string, limits: DocumentLimits, incomingBytes: number): Promise<void> {
  await db.asWorker((tx) => checkQuotaIn(tx, userId, limits, incomingBytes, 1), { readOnly: true });
}

/** Refuses if the user's documents with `incomingBytes` more (and `incomingDocuments` more) pass a quota. */
async function checkQuotaIn(
  tx: WorkerTx,
  userId: string,
  limits: DocumentLimits,
  incomingBytes: number,
  incomingDocuments = 0,
): Promise<void> {
  const usage = await usageOf(tx, userId);
  if (usage.documents + incomingDocuments > limits.maxDocumentsPerUser) {
    throw new Refusal(
      "FORBIDDEN",
      `You have ${usage.documents.toLocaleString("en")} documents, the most one account may keep: delete some to upload more.`,
      "quota_documents",
    );
  }
  if (usage.bytes + incomingBytes > limits.maxStorageBytesPerUser) {
    throw new Refusal(
      "FORBIDDEN",
      `This file would take your documents past ${megabytes(limits.maxStorageBytesPerUser)} (${megabytes(usage.bytes)} used): delete some to make room.`,
      "quota_storage",
    );
  }
}

interface Head {
  chunks: Buffer[];
  bytes: Uint8Array;
  ended: boolean;
}

/** The first bytes, enough to tell the type, without reading past them. */
async function readHead(body: AsyncIterator<Buffer>, maxBytes: number): Promise<Head> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < DETECTION_HEAD_BYTES) {
    const next = await body.next();
    if (next.done) return { chunks, bytes: Buffer.concat(chunks), ended: true };
    chunks.push(next.value);
    size += next.value.length;
    if (size > maxBytes) throw new OriginalTooLarge(maxBytes);
  }
  return { chunks, bytes: Buffer.concat(chunks), ended: false };
}

async function* rest(head: Head, body: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  yield* head.chunks;
  if (head.ended) return;
  for (;;) {
    const next = await body.next();
    if (next.done) return;
    yield next.value;
  }
}
