/**
 * GET /documents/<id>/pages/<n>/image: the small picture of a page OCR read,
 * shown beside a search hit on it. To the document's owner only, as the
 * original is (download.ts): another user's page, a page that has no image
 * and an id that does not exist all get the same 404.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { TRPCError } from "@trpc/server";

import { authenticate, type AuthenticationContext } from "../authenticate";
import type { WorkerDb } from "../db";
import { sendError } from "../http-answers";
import { documentId } from "~/contract/document-inputs";

const PAGE_NUMBER = /^[1-9][0-9]{0,5}$/u;

export async function handlePageImage(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthenticationContext,
  id: string,
  page: string,
  { db }: { db: WorkerDb },
): Promise<void> {
  let image;
  try {
    const caller = await authenticate(ctx);
    if (!documentId.safeParse(id).success || !PAGE_NUMBER.test(page)) throw noSuchPage();
    image = await db.asWorker(
      (tx) =>
        tx
          .selectFrom("document_page_image as i")
          .innerJoin("document as d", "d.id", "i.documentId")
          .select(["i.mimeType", "i.bytes"])
          .where("d.userId", "=", caller.userId)
          .where("i.documentId", "=", id)
          .where("i.page", "=", Number(page))
          .executeTakeFirst(),
      { readOnly: true },
    );
    if (!image) throw noSuchPage();
  } catch (error) {
    if (error instanceof TRPCError) return sendError(res, error);
    throw error;
  }
  res.writeHead(200, {
    "content-type": image.mimeType,
    "content-length": image.bytes.length,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    // Not kept once the document is deleted or the owner signs out, as the original is not.
    "cache-control": "private, no-store",
  });
  res.end(req.method === "HEAD" ? undefined : image.bytes);
}

function noSuchPage(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "No such page image." });
}
