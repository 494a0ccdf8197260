import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { env } from "~/env";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { logger } from "~/server/logger";
import { rejectCrossSite } from "~/server/origin-check";

function handler(req: Request) {
  // Before the context is built: a cross-site request must not reach any
  // procedure with the user's session, a query (GET) included.
  const refused = rejectCrossSite(req, [env().BETTER_AUTH_URL]);
  if (refused) {
    // Also what a browser on a URL other than BETTER_AUTH_URL gets: the log
    // line says why its calls fail.
    const { pathname } = new URL(req.url);
    const origin = req.headers.get("origin");
    logger.warn({ path: pathname, origin, secFetchSite: req.headers.get("sec-fetch-site") }, "cross-site tRPC request refused");
    return refused;
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
    onError({ path, error }) {
      // Expected outcomes (bad input, signed out) are the caller's business;
      // only server faults belong in the error log.
      if (error.code === "INTERNAL_SERVER_ERROR") {
        logger.error({ path, err: error.cause ?? error }, "tRPC procedure failed");
      }
    },
  });
}

export { handler as GET, handler as POST };
