/**
 * The worker's API, and the contract of the web→worker link: the web tier
 * imports `WorkerRouter` as a type only (src/contract/worker-router.ts), so
 * changing a procedure here is a compile error wherever the web tier uses
 * it. Input schemas live in src/contract, which the web tier imports to
 * validate before forwarding.
 */
import { documentsRouter } from "./documents/router";
import { textStatsInput } from "~/contract/text-stats-input";
import { analyzeText } from "./text-stats";
import { authedProcedure, createWorkerRouter } from "./trpc";

export const workerRouter = createWorkerRouter({
  /** The worker's view of the caller, straight from the verified token. */
  whoami: authedProcedure.query(({ ctx }) => ({
    userId: ctx.caller.userId,
    email: ctx.caller.email,
    name: ctx.caller.name,
    sessionId: ctx.caller.sessionId,
    tokenId: ctx.caller.tokenId,
    tokenIssuedAt: ctx.caller.issuedAt,
    tokenExpiresAt: ctx.caller.expiresAt,
  })),

  /** Counts and top terms of a document. */
  textStats: authedProcedure.input(textStatsInput).mutation(({ input }) => analyzeText(input.text, input.topTerms)),

  /** The caller's documents: list, search, delete, retry, live events (documents/router.ts). */
  documents: documentsRouter,
});

export type WorkerRouter = typeof workerRouter;
