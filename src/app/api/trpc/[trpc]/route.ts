import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

import { env } from "~/env";
import { MAX_BATCH_CALLS, MAX_BODY_BYTES } from "~/contract/request-limits";
import { appRouter } from "~/server/api/root";
import { DatabaseUnavailableError } from "~/server/api/database-unavailable";
import { createTRPCContext } from "~/server/api/trpc";
import { capUndeclaredBody, declaresMoreThan } from "~/server/body-limit";
import { logger } from "~/server/logger";
import { rejectCrossSite } from "~/server/origin-check";
import { privateApiResponse } from "~/server/security-headers";
import { DATABASE_UNAVAILABLE } from "~/server/unavailable-answers";

const tooLarge = () =>
  new TRPCError({
    code: "PAYLOAD_TOO_LARGE",
    message: `A request may carry at most ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
  });

async function handler(req: Request) {
  return privateApiResponse(req, await answer(req), env().BETTER_AUTH_URL);
}

function answer(req: Request): Promise<Response> | Response {
  // Before the context is built: a cross-site request must not reach any
  // procedure with the user's session, a query (GET) included.
  const refused = rejectCrossSite(req, [env().BETTER_AUTH_URL]);
  if (refused) {
    // Also what a browser on a URL other than BETTER_AUTH_URL gets: the log
    // line says why its calls fail.
    const { pathname } = new URL(req.url);
    const origin = req.headers.get("origin");
    logger.warn(
      { path: pathname, origin, secFetchSite: req.headers.get("sec-fetch-site") },
      "cross-site tRPC request refused",
    );
    return refused;
  }
  // Said to be too large: every call fails with 413 and the body is never
  // read. Length unsaid (chunked): reading stops past the cap, and the calls
  // that needed their input fail with 413.
  const oversized = declaresMoreThan(req, MAX_BODY_BYTES) ? tooLarge() : undefined;
  const request = capUndeclaredBody(req, MAX_BODY_BYTES, tooLarge);
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    // A batch of N calls is N procedure runs (N worker calls): one request may not buy more than this.
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: () => {
      if (oversized) throw oversized;
      return createTRPCContext({ headers: request.headers });
    },
    // When to ask again, for the browser's link (src/trpc/retry-after-fetch.ts) and anyone else.
    responseMeta: ({ errors }) =>
      errors.some((error) => error instanceof DatabaseUnavailableError)
        ? { headers: { "retry-after": String(DATABASE_UNAVAILABLE.retryAfterSeconds) } }
        : {},
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
