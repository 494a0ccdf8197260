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
  // From here on whatever a dependency prints is a JSON record: Next's
  // request errors carry a client's values (a Next-Action id), and its
  // multi-line stacks would break the one-record-per-line log. Its start-up
  // banner, printed before this runs, stays as it is; `next dev` keeps its
  // own readable output (compile errors with code frames).
  if (process.env.NODE_ENV === "development") return;
  const { routeConsoleToLog } = await import("./server/logger");
  routeConsoleToLog();
}
