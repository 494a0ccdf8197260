// Runs once when a Next.js server starts, before it serves a request: a bad
// configuration stops the process here with one readable line.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnvOrExit } = await import("./env");
  loadEnvOrExit();
}
