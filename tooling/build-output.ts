/**
 * What `npm run build` produces and what runs it (`npm start`, the Dockerfile,
 * the e2e suite, the bench), relative to the project root.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const BUILD_OUTPUT = {
  /** Next.js standalone server; its static assets are copied to `webStatic`. */
  webServer: ".next/standalone/server.js",
  webStatic: ".next/standalone/.next/static",
  /** The worker and the `npm start` launcher, bundled with their dependencies. */
  worker: "dist/worker.mjs",
  /** The worker's extraction threads' entry, beside it: the worker starts it by that name (extract-pool.ts). */
  extractThread: "dist/extract-thread.mjs",
  launcher: "dist/start.mjs",
} as const;
