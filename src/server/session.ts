import "server-only";

import { headers } from "next/headers";
import { cache } from "react";

import { auth } from "~/server/auth";

/**
 * The current request's Better Auth session (null when signed out), once per
 * render: from the session cache, confirmed within the last second (auth.ts).
 */
export const getSession = cache(async () => {
  // Reading headers first marks the page dynamic before auth is touched, so
  // `next build` never tries to prerender a session.
  const requestHeaders = await headers();
  return auth.readSession(requestHeaders);
});
