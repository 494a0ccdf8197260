/**
 * How the worker (and the `npm start` launcher) are bundled for production:
 * one ES module each, dependencies inlined, run on plain Node with no
 * node_modules. scripts/build.ts builds with these options, and the tests
 * that must prove something runs bundled (the extraction library) use them
 * too, so the two cannot drift apart.
 */
import type { BuildOptions } from "esbuild";

export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22.13",
  format: "esm",
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
} satisfies BuildOptions;
