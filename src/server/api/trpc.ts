/**
 * The tRPC server: context, procedure builders and the error shape every
 * router shares. Routers live in ./routers and are merged in ./root.ts.
 */
import { initTRPC, TRPCError } from "@trpc/server";

import { publicErrorShape } from "~/contract/public-error-shape";
import { REQUEST_ID_HEADER, requestIdFrom } from "~/contract/request-id";
import { auth as appAuth, type Auth } from "~/server/auth";
import { databaseAvailability } from "~/server/db/database-availability";
import { db } from "~/server/db/prisma";
import { DatabaseUnavailableError } from "./database-unavailable";
import { transformer } from "./transformer";

/**
 * Built once per request, from its headers: the Better Auth session (null when
 * signed out; from the session cache, see auth.ts), the auth that read it (the app's; tests pass one configured
 * otherwise), the database client, and the request id the browser sent (or a
 * new one), which goes on to the worker and into both processes' logs.
 */
export async function createTRPCContext(opts: { headers: Headers; auth?: Auth }) {
  const auth = opts.auth ?? appAuth;
  // Known to be down: no session read to wait for.
  if (!(await databaseAvailability.check())) throw databaseUnavailable();
  const session = await auth.readSession(opts.headers).catch((error: unknown) => {
    throw databaseAvailability.reportFailure(error) ? databaseUnavailable(error) : error;
  });
  const requestId = requestIdFrom(opts.headers.get(REQUEST_ID_HEADER));
  return { db, auth, session, headers: opts.headers, requestId };
}

export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;

const t = initTRPC.context<TRPCContext>().create({
  transformer,
  // Never a stack trace in an answer, whatever NODE_ENV says: tRPC would add
  // one to every error outside production (the test and dev servers included).
  isDev: false,
  errorFormatter: publicErrorShape,
});

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

const databaseUnavailable = (cause?: unknown) => new DatabaseUnavailableError(cause);

/**
 * Every procedure: a call that failed because the database is unreachable
 * is that 503, whatever the procedure made of the error (a 500 otherwise).
 */
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code !== "SERVICE_UNAVAILABLE" && databaseAvailability.reportFailure(result.error)) {
    throw databaseUnavailable(result.error);
  }
  return result;
});

/** Signed-in users only; narrows ctx.session to non-null for the resolver. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  }
  return next({ ctx: { ...ctx, session: ctx.session } });
});
