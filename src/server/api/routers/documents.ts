import { documentRef, searchInput } from "~/contract/document-inputs";
import { createTRPCRouter } from "~/server/api/trpc";
import { workerProcedure } from "./worker";

/**
 * The user's documents, through the web tier to the worker's `documents.*`
 * procedures. Input is checked with the worker's own schemas: what cannot
 * pass there is refused here, before a token is minted or a request built.
 * Uploads, downloads and the live feed go from the browser to the worker
 * directly: bytes and a long-lived stream have no business in this tier.
 */
export const documentsRouter = createTRPCRouter({
  /** Newest first. */
  list: workerProcedure.query(({ ctx }) => ctx.worker.documents.list.query()),

  /** What an upload may be, so the browser can refuse a file before sending it. */
  limits: workerProcedure.query(({ ctx }) => ctx.worker.documents.limits.query()),

  /** Full-text search over the user's ready documents, a page at a time. */
  search: workerProcedure.input(searchInput).query(({ ctx, input }) => ctx.worker.documents.search.query(input)),

  delete: workerProcedure.input(documentRef).mutation(({ ctx, input }) => ctx.worker.documents.delete.mutate(input)),

  /** A failed document back to the queue (CONFLICT for any other). */
  retry: workerProcedure.input(documentRef).mutation(({ ctx, input }) => ctx.worker.documents.retry.mutate(input)),
});
