import type { inferRouterInputs } from "@trpc/server";

import { errorMessage } from "~/lib/error-message";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { logger } from "~/server/logger";
import { toWebError, workerFor } from "~/server/worker-link";
import type { WorkerRouter } from "~/worker/router";

/**
 * Calls to the worker made by the web tier on the user's behalf (the main
 * path). Each gets the user's worker client in ctx.worker; whatever goes
 * wrong over there reaches the dashboard as a readable tRPC error.
 */
const workerProcedure = protectedProcedure.use(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next({ ctx: { worker: workerFor(ctx.session, ctx.requestId) } });
  const ms = Math.round((performance.now() - started) * 100) / 100;
  if (result.ok) {
    logger.info({ requestId: ctx.requestId, path, ms }, "worker call");
    return result;
  }
  const error = toWebError(result.error.cause ?? result.error);
  logger.warn({ requestId: ctx.requestId, path, ms, err: errorMessage(error) }, "worker call failed");
  throw error;
});

// The worker validates its own input; the web tier passes it through typed.
type WorkerInputs = inferRouterInputs<WorkerRouter>;

export const workerRouter = createTRPCRouter({
  whoami: workerProcedure.query(({ ctx }) => ctx.worker.whoami.query()),

  textStats: workerProcedure
    .input((raw) => raw as WorkerInputs["textStats"])
    .mutation(({ ctx, input }) => ctx.worker.textStats.mutate(input)),
});
