import "server-only";

import { createHydrationHelpers } from "@trpc/react-query/rsc";
import { headers } from "next/headers";
import { cache } from "react";

import { createCaller, type AppRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { getSession } from "~/server/session";
import { createQueryClient } from "./query-client";

// One context per request: React's cache() dedupes calls within a render,
// and the session is the one the page itself read.
const createContext = cache(async () => {
  const heads = new Headers(await headers());
  heads.set("x-trpc-source", "rsc");
  return createTRPCContext({ headers: heads, session: await getSession() });
});

const getQueryClient = cache(createQueryClient);
const caller = createCaller(createContext);

/** For server components: `await api.session.me()` or `void api.session.me.prefetch()`. */
export const { trpc: api, HydrateClient } = createHydrationHelpers<AppRouter>(caller, getQueryClient);
