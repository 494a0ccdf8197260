/**
 * `npm run build`: the production build of both processes.
 * - Web tier: `next build` with `output: "standalone"`, which leaves out the
 *   static assets; they are copied beside the server, where it serves them.
 * - Worker (with its document-reading threads' entry), and the `npm start` launcher: bundled by esbuild into ES modules
 *   with their dependencies inlined (tooling/node-bundle.ts), so they run on
 *   plain Node — no tsx — which keeps the worker's image small. What only
 *   ingestion needs sits in dist/chunks/, loaded on first use. What cannot be
 *   inlined (OCR's wasm, models and worker script, sharp's native addon) is in
 *   dist/node_modules, those packages alone (tooling/shipped-packages.ts);
 *   their sizes are printed last.
 */
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { BUILD_OUTPUT, PROJECT_ROOT } from "../tooling/build-output";
import { bundleNode } from "../tooling/node-bundle";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

const next = spawnSync(process.execPath, [nextBin, "build"], { cwd: PROJECT_ROOT, stdio: "inherit" });
if (next.status !== 0) process.exit(next.status ?? 1);

const staticDir = path.join(PROJECT_ROOT, BUILD_OUTPUT.webStatic);
rmSync(staticDir, { recursive: true, force: true });
cpSync(path.join(PROJECT_ROOT, ".next/static"), staticDir, { recursive: true });

rmSync(path.join(PROJECT_ROOT, "dist"), { recursive: true, force: true });
const started = performance.now();
const { packages } = await bundleNode(
  PROJECT_ROOT,
  [
    { in: "src/worker/main.ts", out: path.basename(BUILD_OUTPUT.worker, ".mjs") },
    // The worker's document-reading threads start this file, found beside the worker's (extract-pool.ts).
    { in: "src/worker/documents/extract-thread.ts", out: path.basename(BUILD_OUTPUT.extractThread, ".mjs") },
    { in: "scripts/start.ts", out: path.basename(BUILD_OUTPUT.launcher, ".mjs") },
  ],
  "dist",
);
console.log(`Worker and launcher bundled into dist/ in ${Math.round(performance.now() - started)} ms`);

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const total = packages.reduce((sum, { bytes }) => sum + bytes, 0);
console.log(`${BUILD_OUTPUT.workerPackages}: ${megabytes(total)} in ${packages.length} packages`);
for (const { path: where, version, bytes } of [...packages].sort((a, b) => b.bytes - a.bytes))
  console.log(`  ${megabytes(bytes).padStart(8)}  ${where}@${version}`);
