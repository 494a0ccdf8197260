// Runs once when a Next.js server starts, before it serves a request: a bad
// configuration stops the process here with one readable line.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnvOrExit } = await import("./env");
  const env = loadEnvOrExit();
  // Production only: `next dev` compiles a route on its first request, which
  // may take longer than any wait a busy server should ask of a caller.
  if (env.NODE_ENV === "production" && env.WEB_MAX_IN_FLIGHT > 0) {
    const { gateHttpRequests } = await import("./server/overload/gate-http-server");
    const { createRequestGate } = await import("./server/overload/request-gate");
    const { logger } = await import("./server/logger");
    gateHttpRequests(
      createRequestGate({ maxInFlight: env.WEB_MAX_IN_FLIGHT, maxWaitMs: env.WEB_QUEUE_WAIT_MS, maxQueued: 1_000 }),
      logger.child({ component: "overload" }),
    );
  }
  // Before the first render: each would otherwise keep the ones before it alive.
  const { releaseAbortReasonFrames } = await import("./server/abort-reason-stacks");
  releaseAbortReasonFrames();
  // A BETTER_AUTH_SECRET other than the one the signing keys were made with.
  const { checkSigningKeysOrExit } = await import("./server/signing-key-check");
  await checkSigningKeysOrExit();
}
