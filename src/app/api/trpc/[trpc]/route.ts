import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { logger } from "~/server/logger";

function handler(req: Request) {
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
