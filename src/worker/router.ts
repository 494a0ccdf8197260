/**
 * The worker's API, and the contract of the web→worker link: the web tier
 * imports `WorkerRouter` as a type only, so changing a procedure here is a
 * compile error wherever the web tier uses it.
 */
import { z } from "zod";

import { analyzeText } from "./text-stats";
import { authedProcedure, createWorkerRouter } from "./trpc";

export const MAX_DOCUMENT_CHARACTERS = 100_000;

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
  textStats: authedProcedure
    .input(
      z.object({
        text: z
          .string()
          .min(1, { error: "Paste some text to analyse." })
          .max(MAX_DOCUMENT_CHARACTERS, { error: `Documents are limited to ${MAX_DOCUMENT_CHARACTERS.toLocaleString("en")} characters.` }),
        topTerms: z.number().int().min(1).max(50).default(10),
      }),
    )
    .mutation(({ input }) => analyzeText(input.text, input.topTerms)),
});

export type WorkerRouter = typeof workerRouter;
