// Runs once when a Next.js server starts, before it serves a request: a bad
// configuration stops the process here with one readable line.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnvOrExit } = await import("./env");
  loadEnvOrExit();
  // Before the first render: each would otherwise keep the ones before it alive.
  const { releaseAbortReasonFrames } = await import("./server/abort-reason-stacks");
  releaseAbortReasonFrames();
  // A BETTER_AUTH_SECRET other than the one the signing keys were made with.
  const { checkSigningKeysOrExit } = await import("./server/signing-key-check");
  await checkSigningKeysOrExit();
}
