import { QueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";

function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "UNAUTHORIZED";
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A result is reused for 30 s: a component that mounts again (or
        // another that asks the same) does not refetch it at once.
        staleTime: 30 * 1000,
        // Asking again will not sign anyone in.
        retry: (failureCount, error) => !isUnauthorized(error) && failureCount < 3,
      },
    },
  });
}
