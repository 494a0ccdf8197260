import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { mintWorkerToken } from "~/server/worker-token";

export const authRouter = createTRPCRouter({
  /**
   * The exchange: the signed-in session for a short-lived worker token, for
   * the browser to call the worker directly. A mutation because each call
   * issues a new credential; the browser keeps it in memory until a minute
   * before it expires.
   */
  workerToken: protectedProcedure.mutation(({ ctx }) => mintWorkerToken(ctx.session, ctx.requestId, ctx.auth)),
});
