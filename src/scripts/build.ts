/**
 * `npm run build`: the production build of both processes.
 * - Web tier: `next build` with `output: "standalone"`, which leaves out the
 *   static assets; they are copied beside the server, where it serves them.
 * - Worker, and the `npm start` launcher: bundled by esbuild into single ES
 *   modules with their dependencies inlined, so they run on plain Node — no
 *   tsx, no node_modules — which keeps the worker's image small.
 */
import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

import { BUILD_OUTPUT } from "./build-output";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

const next = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
if (next.status !== 0) process.exit(next.status ?? 1);

const staticDir = path.join(root, BUILD_OUTPUT.webStatic);
rmSync(staticDir, { recursive: true, force: true });
cpSync(path.join(root, ".next/static"), staticDir, { recursive: true });

rmSync(path.join(root, "dist"), { recursive: true, force: true });
const started = performance.now();
await build({
  absWorkingDir: root,
  entryPoints: [
    { in: "src/worker/main.ts", out: path.basename(BUILD_OUTPUT.worker, ".mjs") },
    { in: "src/scripts/start.ts", out: path.basename(BUILD_OUTPUT.launcher, ".mjs") },
  ],
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20.19",
  format: "esm",
  sourcemap: "linked",
  // Bundled CommonJS dependencies (pino's) still call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning",
});
console.log(`Worker and launcher bundled into dist/ in ${Math.round(performance.now() - started)} ms`);
