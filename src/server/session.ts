import "server-only";

import { headers } from "next/headers";
import { cache } from "react";

import { auth } from "~/server/auth";
import { databaseAvailability } from "~/server/db/database-availability";

/**
 * The current request's Better Auth session (null when signed out), once per
 * render: from the session cache, confirmed within the last second (auth.ts).
 */
export const getSession = cache(async () => {
  // Reading headers first marks the page dynamic before auth is touched, so
  // `next build` never tries to prerender a session.
  const requestHeaders = await headers();
  return auth.readSession(requestHeaders).catch((error: unknown) => {
    // The database went away since the proxy last looked: this render fails,
    // and the next request is the proxy's 503 page at once.
    databaseAvailability.reportFailure(error);
    throw error;
  });
});
