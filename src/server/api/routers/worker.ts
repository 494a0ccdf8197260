import { TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";

import { env } from "~/env";
import { errorMessage } from "~/contract/error-message";
import { firstIssue } from "~/worker-client/worker-client";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { logger } from "~/server/logger";
import { isWorkerClientError, toWebError, workerFor } from "~/server/worker-link";
import { textStatsInput } from "~/contract/text-stats-input";

/**
 * Calls to the worker made by the web tier on the user's behalf (the main
 * path). Each gets the user's worker client in ctx.worker; whatever goes
 * wrong over there reaches the dashboard as a readable tRPC error.
 */
export const workerProcedure = protectedProcedure.use(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next({ ctx: { worker: workerFor(ctx.session, ctx.requestId) } });
  const ms = Math.round((performance.now() - started) * 100) / 100;
  if (result.ok) {
    logger.info({ requestId: ctx.requestId, path, ms }, "worker call");
    return result;
  }
  const { cause } = result.error;
  if (cause instanceof ZodError) {
    // Refused here, with the worker's own schema, before any call: the
    // first message, as the worker's refusal would have read.
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: firstIssue(z.flattenError(cause)) ?? result.error.message,
      cause,
    });
  }
  // Anything else that is not the worker client's failure (input that could
  // not be decoded, say) is already the right error.
  if (!isWorkerClientError(cause)) throw result.error;
  const error = toWebError(cause);
  // The log may name the worker's internal address; the answer never does.
  logger.warn(
    { requestId: ctx.requestId, path, ms, workerUrl: env().WORKER_URL, err: errorMessage(error) },
    "worker call failed",
  );
  throw error;
});

export const workerRouter = createTRPCRouter({
  whoami: workerProcedure.query(({ ctx }) => ctx.worker.whoami.query()),

  // Validated with the worker's own schema: what cannot pass there is
  // refused here, before a token is minted or a request is built.
  textStats: workerProcedure.input(textStatsInput).mutation(({ ctx, input }) => ctx.worker.textStats.mutate(input)),
});
