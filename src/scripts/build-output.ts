/**
 * What `npm run build` produces and what runs it (`npm start`, the Dockerfile,
 * the end-to-end tests), relative to the project root.
 */
export const BUILD_OUTPUT = {
  /** Next.js standalone server; its static assets are copied to `webStatic`. */
  webServer: ".next/standalone/server.js",
  webStatic: ".next/standalone/.next/static",
  /** The worker and the `npm start` launcher, bundled with their dependencies. */
  worker: "dist/worker.mjs",
  launcher: "dist/start.mjs",
} as const;
