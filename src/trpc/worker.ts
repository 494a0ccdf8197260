"use client";

import { useMemo } from "react";

import { createTokenCache } from "~/lib/token-cache";
import { createWorkerClient } from "~/lib/worker-client";
import { api } from "./react";

// This tab's worker tokens: memory only (never localStorage), gone on reload
// and cleared on sign-out.
const browserTokens = createTokenCache();

export function clearWorkerTokens(): void {
  browserTokens.clear();
}

/**
 * A typed client for calling the worker straight from the browser. Tokens
 * come from the web tier's exchange (`auth.workerToken`); the exchange call
 * and the worker call of one action share one request id.
 */
export function useWorkerClient(workerUrl: string, sessionId: string) {
  const utils = api.useUtils();
  return useMemo(
    () =>
      createWorkerClient({
        url: workerUrl,
        tokens: browserTokens,
        sessionId,
        mint: (requestId) => utils.client.auth.workerToken.mutate(undefined, { context: { requestId } }),
      }),
    [workerUrl, sessionId, utils],
  );
}
