import { accountRouter } from "~/server/api/routers/account";
import { authRouter } from "~/server/api/routers/auth";
import { documentsRouter } from "~/server/api/routers/documents";
import { sessionRouter } from "~/server/api/routers/session";
import { workerRouter } from "~/server/api/routers/worker";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  account: accountRouter,
  auth: authRouter,
  documents: documentsRouter,
  session: sessionRouter,
  worker: workerRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller: `createCaller(ctx).session.me()` without an HTTP hop. */
export const createCaller = createCallerFactory(appRouter);
