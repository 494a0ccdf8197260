/**
 * GET /account/export: everything the user keeps here, as one ZIP archive
 * (src/contract/account-export.ts says what is in it), to the token's user
 * only. Streamed as it is read: the originals a part at a time from the
 * original store, each part in a short transaction of its own, through yazl
 * into the response, with backpressure all the way, so a slow client holds
 * a few parts in memory, never the archive nor a whole file, and no database
 * connection between parts. Entries are stored, not deflated: originals are
 * mostly compressed already (PDF, DOCX), and with every size known up front
 * the archive's length is too, so the browser shows progress and a download
 * cut short cannot pass for a whole one.
 *
 * MAX_EXPORTS_PER_USER of one user at a time (a second click waits for the
 * first), MAX_EXPORTS_IN_FLIGHT per worker.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

import { TRPCError } from "@trpc/server";
import { ZipFile } from "yazl";

import type { Logger } from "~/worker/logger";
import { authenticate, type AuthenticationContext } from "../authenticate";
import type { WorkerDb } from "../db";
import { contentDisposition } from "../documents/download";
import type { OriginalStore } from "../documents/original-store";
import { Refusal, sendError } from "../http-answers";
import type { UserSlots } from "../user-slots";
import { accountExportFileName, PROFILE_FILE } from "~/contract/account-export";
import { readExportContents, type ExportContents } from "./export-contents";

export const MAX_EXPORTS_PER_USER = 1;
export const MAX_EXPORTS_IN_FLIGHT = 4;
/** When a worker that has all its exports running asks the browser to try again. */
const BUSY_RETRY_AFTER_SECONDS = 30;

export interface ExportDependencies {
  db: WorkerDb;
  store: OriginalStore;
  exports: UserSlots;
}

export async function handleAccountExport(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthenticationContext,
  { db, store, exports }: ExportDependencies,
): Promise<void> {
  let caller;
  try {
    caller = await authenticate(ctx);
  } catch (error) {
    if (error instanceof TRPCError) return sendError(res, error);
    throw error;
  }
  const log = ctx.log.child({ userId: caller.userId });

  const slot = exports.take(caller.userId);
  if (slot === "user") {
    const again = new Refusal(
      "CONFLICT",
      "An export of your data is already downloading: wait for it to finish, then try again.",
      "export_in_progress",
    );
    return sendError(res, again, { reason: again.reason });
  }
  if (slot === "all") {
    res.setHeader("retry-after", String(BUSY_RETRY_AFTER_SECONDS));
    const busy = new Refusal(
      "SERVICE_UNAVAILABLE",
      "it is preparing as many exports as it can: try again in a minute.",
      "busy",
    );
    return sendError(res, busy, { reason: busy.reason });
  }
  try {
    const exportedAt = new Date();
    let contents;
    try {
      contents = await readExportContents(db, caller.userId, exportedAt);
    } catch (error) {
      if (error instanceof TRPCError) return sendError(res, error);
      throw error;
    }
    // Deleted since the token was checked: the session went with it.
    if (!contents) {
      const gone = new Refusal("UNAUTHORIZED", "Your account no longer exists.", "revoked");
      return sendError(res, gone, { reason: gone.reason });
    }
    await sendArchive(res, contents, { db, store, log, fileName: accountExportFileName(exportedAt) });
  } finally {
    exports.release(caller.userId);
  }
}

async function sendArchive(
  res: ServerResponse,
  { profile, originals }: ExportContents,
  { db, store, log, fileName }: { db: WorkerDb; store: OriginalStore; log: Logger; fileName: string },
): Promise<void> {
  const started = performance.now();
  const zip = new ZipFile();
  // yazl reports a failure (an original shorter than its size: deleted
  // meanwhile) on the ZipFile and a source's own error nowhere: either way
  // the archive is cut off, so the client sees a broken download rather than
  // a short archive that looks whole.
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    res.destroy();
  };
  zip.on("error", fail);
  let reading: Readable | undefined;

  zip.addBuffer(Buffer.from(`${JSON.stringify(profile, null, 2)}\n`), PROFILE_FILE, {
    compress: false,
    mtime: new Date(profile.exportedAt),
  });
  for (const original of originals) {
    // Opened when its turn comes, so one original is being read at a time.
    zip.addReadStreamLazy(
      original.file,
      { size: original.sizeBytes, compress: false, mtime: original.createdAt },
      (open) => {
        // Bytes, not objects: the stream then holds one part, not sixteen.
        reading = Readable.from(store.open(db, original.documentId), { objectMode: false });
        reading.once("error", fail);
        open(null, reading);
      },
    );
  }
  let archiveBytes = -1;
  endWithSize(zip, (size) => (archiveBytes = size));

  res.writeHead(200, {
    "content-type": "application/zip",
    ...(archiveBytes >= 0 && { "content-length": archiveBytes }),
    "content-disposition": contentDisposition(fileName),
    "x-content-type-options": "nosniff",
    "cache-control": "private, no-store",
  });
  try {
    await pipeline(zip.outputStream, res);
    log.info(
      { documents: originals.length, bytes: archiveBytes, ms: Math.round(performance.now() - started) },
      "account exported",
    );
  } catch (error) {
    if (failure) log.warn({ err: failure }, "account export broken off: a document changed while it was being sent");
    else log.info({ err: error }, "account export aborted by the client");
    res.destroy();
  } finally {
    // Ends the original being read, if any: its generator stops between parts.
    reading?.destroy();
  }
}

/**
 * Ends the archive; `onSize` gets its length in bytes, at once, when every
 * entry's is known (stored entries of given sizes), else -1. yazl passes the
 * length to end()'s callback, which its type declarations leave out.
 */
function endWithSize(zip: ZipFile, onSize: (bytes: number) => void): void {
  (zip.end as (options: object, calculatedTotalSize: (bytes: number) => void) => void).call(zip, {}, onSize);
}
