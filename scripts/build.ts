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

import { build } from "esbuild";

import { BUILD_OUTPUT, PROJECT_ROOT } from "../tooling/build-output";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

const next = spawnSync(process.execPath, [nextBin, "build"], { cwd: PROJECT_ROOT, stdio: "inherit" });
if (next.status !== 0) process.exit(next.status ?? 1);

const staticDir = path.join(PROJECT_ROOT, BUILD_OUTPUT.webStatic);
rmSync(staticDir, { recursive: true, force: true });
cpSync(path.join(PROJECT_ROOT, ".next/static"), staticDir, { recursive: true });

rmSync(path.join(PROJECT_ROOT, "dist"), { recursive: true, force: true });
const started = performance.now();
await build({
  absWorkingDir: PROJECT_ROOT,
  entryPoints: [
    { in: "src/worker/main.ts", out: path.basename(BUILD_OUTPUT.worker, ".mjs") },
    { in: "scripts/start.ts", out: path.basename(BUILD_OUTPUT.launcher, ".mjs") },
  ],
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20.19",
  format: "esm",
  sourcemap: "linked",
  // Bundled CommonJS dependencies still expect CommonJS's globals: pino's
  // call require(), @next/env's (an ncc bundle) reads __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      "const require = __createRequire(import.meta.url);",
      "const __filename = __fileURLToPath(import.meta.url);",
      "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
    ].join(" "),
  },
  logLevel: "warning",
});
console.log(`Worker and launcher bundled into dist/ in ${Math.round(performance.now() - started)} ms`);
