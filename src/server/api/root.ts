import { sessionRouter } from "~/server/api/routers/session";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller: `createCaller(ctx).session.me()` without an HTTP hop. */
export const createCaller = createCallerFactory(appRouter);
