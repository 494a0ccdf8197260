/**
 * GET /documents/<id>/original: the file as it was uploaded, to its owner
 * only (anyone else gets the same 404 as for an id that does not exist).
 * Streamed a part at a time with backpressure. Always an attachment, never
 * rendered: an uploaded HTML page must not run as the worker's origin.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";

import { TRPCError } from "@trpc/server";

import { authenticate, type AuthenticationContext } from "../authenticate";
import type { WorkerDb } from "../db";
import { sendError } from "../http-answers";
import { documentId } from "~/contract/document-inputs";
import type { OriginalStore } from "./original-store";
import { getDocument, notFound } from "./repository";

export async function handleDownload(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthenticationContext,
  id: string,
  { db, store }: { db: WorkerDb; store: OriginalStore },
): Promise<void> {
  let document;
  try {
    const caller = await authenticate(ctx);
    if (!documentId.safeParse(id).success) throw notFound();
    document = await db.asWorker((tx) => getDocument(tx, caller.userId, id), { readOnly: true });
  } catch (error) {
    if (error instanceof TRPCError) return sendError(res, error);
    throw error;
  }

  res.writeHead(200, {
    "content-type": document.mimeType,
    "content-length": document.sizeBytes,
    "content-disposition": contentDisposition(document.name),
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, no-store",
  });
  if (req.method === "HEAD") return void res.end();
  let sent = 0;
  for await (const part of store.open(db, document.id)) {
    if (res.destroyed) return;
    sent += part.length;
    if (!res.write(part)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  // Deleted while being sent: the client must see a broken download, not a
  // short file that looks complete.
  if (sent !== document.sizeBytes) res.destroy();
  else res.end();
}

/** RFC 6266: an ASCII fallback and the exact name in UTF-8. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/gu, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
