/**
 * The documents procedures: the user's list, one document, search, delete,
 * retry, the limits, and the live feed. Every one is scoped to the verified
 * token's subject; uploads and downloads are plain HTTP routes beside these
 * (upload.ts, download.ts), with the same token check.
 */
import { TRPCError } from "@trpc/server";

import { authedProcedure, createWorkerRouter } from "../trpc";
import { documentEvents } from "./events";
import { enqueueIngestion } from "./ingest-job";
import { documentRef, searchInput } from "~/contract/document-inputs";
import { deleteDocument, getDocument, listDocuments, requeueFailedDocument } from "./repository";
import { searchChunks } from "./search";

/** An authed procedure with the worker's document services in ctx.documents. */
export const documentsProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.documents)
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "This worker has no document store configured." });
  return next({ ctx: { documents: ctx.documents } });
});

export const documentsRouter = createWorkerRouter({
  /** Newest first. */
  list: documentsProcedure.query(({ ctx }) =>
    ctx.documents.db.asWorker((tx) => listDocuments(tx, ctx.caller.userId), { readOnly: true }),
  ),

  get: documentsProcedure
    .input(documentRef)
    .query(({ ctx, input }) =>
      ctx.documents.db.asWorker((tx) => getDocument(tx, ctx.caller.userId, input.id), { readOnly: true }),
    ),

  /** Filtered to a document that is not the caller's: NOT_FOUND, as `get` answers, not an empty page. */
  search: documentsProcedure.input(searchInput).query(({ ctx, input }) =>
    ctx.documents.db.asWorker(
      async (tx) => {
        if (input.documentId) await getDocument(tx, ctx.caller.userId, input.documentId);
        return searchChunks(tx, ctx.caller.userId, ctx.documents.searchConfigs, input);
      },
      { readOnly: true },
    ),
  ),

  /** The document, its original and its chunks. */
  delete: documentsProcedure.input(documentRef).mutation(async ({ ctx, input }) => {
    await ctx.documents.db.asWorker((tx) => deleteDocument(tx, ctx.caller.userId, input.id));
    return { id: input.id };
  }),

  /** A failed document back to the queue; the job is enqueued in the same transaction. */
  retry: documentsProcedure.input(documentRef).mutation(({ ctx, input }) =>
    ctx.documents.db.asWorker(async (tx) => {
      const document = await requeueFailedDocument(tx, ctx.caller.userId, input.id);
      await enqueueIngestion(ctx.documents.queue, tx, document.id);
      return document;
    }),
  ),

  /** What an upload may be, so the browser can say so before sending a byte. */
  limits: documentsProcedure.query(({ ctx }) => ctx.documents.limits),

  events: documentEvents,
});
