"use client";

import { useMemo } from "react";

import { createTokenCache } from "~/worker-client/token-cache";
import { createWorkerClient } from "~/worker-client/worker-client";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import { api } from "./react";

// This tab's worker tokens: memory only (never localStorage), gone on reload
// and cleared on sign-out.
const browserTokens = createTokenCache();

export function clearWorkerTokens(): void {
  browserTokens.clear();
}

/**
 * What a browser call to the worker needs: this tab's tokens, and the mint
 * that gets one from the web tier's exchange (`auth.workerToken`) with the
 * action's request id, so the exchange and the worker call share one.
 */
export function useWorkerHttp(workerUrl: string, sessionId: string): WorkerHttpOptions {
  const utils = api.useUtils();
  return useMemo(
    () => ({
      workerUrl,
      tokens: browserTokens,
      sessionId,
      mint: (requestId: string) => utils.client.auth.workerToken.mutate(undefined, { context: { requestId } }),
    }),
    [workerUrl, sessionId, utils],
  );
}

/**
 * A typed client for calling the worker straight from the browser, with the
 * tokens of useWorkerHttp. Uploads and downloads, plain HTTP routes, take
 * useWorkerHttp's options themselves (src/worker-client/upload-document.ts).
 */
export function useWorkerClient(workerUrl: string, sessionId: string) {
  const http = useWorkerHttp(workerUrl, sessionId);
  return useMemo(
    () => createWorkerClient({ url: http.workerUrl, tokens: http.tokens, sessionId: http.sessionId, mint: http.mint }),
    [http],
  );
}
