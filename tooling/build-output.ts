/**
 * What `npm run build` produces and what runs it (`npm start`, the Dockerfile,
 * the e2e suite, the bench), relative to the project root. A path without an
 * extension is a folder (the Dockerfile's lint reads them so).
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
  /** What the worker loads when first needed (extraction), beside it: the image copies it too. */
  workerChunks: "dist/chunks",
  /** The packages the bundles import rather than inline (OCR, sharp), beside them: the image copies it too. */
  workerPackages: "dist/node_modules",
} as const;

/**
 * How `npm start`, the e2e suite and the bench run the worker (the
 * Dockerfile's CMD says the same): with source maps, so a stack trace in the
 * logs names our own files and lines. The maps cover src/ only, which keeps
 * them cheap (tooling/slim-source-map.ts).
 */
export const WORKER_NODE_ARGS = ["--enable-source-maps", BUILD_OUTPUT.worker] as const;
