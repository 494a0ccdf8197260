/**
 * The worker's tRPC server: context, error shape and the authed procedure.
 * No transformer: the worker speaks plain JSON so that any client, not only
 * this app's, can call it; its outputs carry times as epoch milliseconds.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";

import type { Logger } from "~/lib/logger";
import { KeysUnavailable, TokenRejected, type RejectReason, type TokenVerifier } from "./verify";

export interface WorkerContext {
  requestId: string;
  log: Logger;
  /** The raw Authorization header; only authed procedures look at it. */
  authorization: string | undefined;
  verifier: TokenVerifier;
}

const t = initTRPC.context<WorkerContext>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        // Why a call was refused (UNAUTHORIZED only): one of REJECT_REASONS.
        reason: error.cause instanceof TokenRejected ? error.cause.reason : (null as RejectReason | null),
        zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

export const createWorkerRouter = t.router;

/** Verifies the caller's token; the resolver gets `ctx.caller`. */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  try {
    const caller = await ctx.verifier.verify(ctx.authorization);
    return next({ ctx: { caller } });
  } catch (error) {
    if (error instanceof TokenRejected) {
      ctx.log.warn({ reason: error.reason }, "token rejected");
      throw new TRPCError({ code: "UNAUTHORIZED", message: error.message, cause: error });
    }
    if (error instanceof KeysUnavailable) {
      ctx.log.error({ err: error.message }, "signing keys unavailable");
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The worker cannot load its signing keys.", cause: error });
    }
    throw error;
  }
});
