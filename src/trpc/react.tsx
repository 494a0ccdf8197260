"use client";

import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { httpBatchStreamLink, loggerLink } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";
import { useState } from "react";
import SuperJSON from "superjson";

import { newRequestId, REQUEST_ID_HEADER } from "~/contract/request-id";
import type { AppRouter } from "~/server/api/root";
import { createQueryClient } from "./query-client";
import { fetchWaitingOut503 } from "./retry-after-fetch";

let clientQueryClientSingleton: QueryClient | undefined;

function getQueryClient() {
  // The server renders each request with its own cache; the browser keeps one.
  if (typeof window === "undefined") return createQueryClient();
  clientQueryClientSingleton ??= createQueryClient();
  return clientQueryClientSingleton;
}

export const api = createTRPCReact<AppRouter>();

export function TRPCReactProvider(props: { children: React.ReactNode }) {
  const queryClient = getQueryClient();

  const [trpcClient] = useState(() =>
    api.createClient({
      links: [
        loggerLink({
          enabled: (op) =>
            // The exchange's result is a credential: never in the console.
            !("path" in op && op.path === "auth.workerToken") &&
            (process.env.NODE_ENV === "development" || (op.direction === "down" && op.result instanceof Error)),
        }),
        httpBatchStreamLink({
          transformer: SuperJSON,
          url: `${getBaseUrl()}/api/trpc`,
          // A busy web tier or a missing database answers 503 with Retry-After: waited out, then sent again.
          fetch: fetchWaitingOut503(),
          headers: ({ opList }) => {
            const headers = new Headers();
            headers.set("x-trpc-source", "nextjs-react");
            // One id per user action, logged by the web tier and the worker.
            const requestId = opList[0]?.context.requestId;
            headers.set(REQUEST_ID_HEADER, typeof requestId === "string" ? requestId : newRequestId());
            return headers;
          },
        }),
      ],
    }),
  );

  return (
    <QueryClientProvider client={queryClient}>
      <api.Provider client={trpcClient} queryClient={queryClient}>
        {props.children}
      </api.Provider>
    </QueryClientProvider>
  );
}

function getBaseUrl() {
  if (typeof window !== "undefined") return window.location.origin;
  // Rendering on the server: the web tier's own port. Not through src/env.ts, which a client module
  // would ship to the browser; Next.js reads PORT itself to listen on it.
  // eslint-disable-next-line no-restricted-syntax
  return `http://localhost:${process.env.PORT ?? 3000}`;
}
