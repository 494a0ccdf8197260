/**
 * How the worker (and the `npm start` launcher) are bundled for production:
 * ES modules with their dependencies inlined, run on plain Node, with only
 * the packages that cannot be inlined (OCR's and sharp's: shipped-packages.ts)
 * in a node_modules beside them. scripts/build.ts builds with bundleNode(),
 * and the tests that must prove something runs bundled (the extraction
 * library, OCR) use it too, so the two cannot drift apart.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { build, type BuildOptions, type Metafile } from "esbuild";

import { PROJECT_ROOT } from "./build-output";
import { EXTERNAL_PACKAGES, layOutShippedPackages, type ShippedPackage } from "./shipped-packages";
import { slimSourceMap } from "./slim-source-map";

export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22.13",
  format: "esm",
  // Left as imports, found in the node_modules bundleNode() lays out beside the bundle.
  external: EXTERNAL_PACKAGES,
  // Bundled CommonJS dependencies still expect CommonJS's globals: pino's
  // call require(), @next/env's (an ncc bundle) reads __dirname. Every chunk
  // is a module of its own, so each gets these.
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

/** esbuild's metafile, and the packages laid out beside the bundle. */
export interface NodeBundle extends Metafile {
  packages: ShippedPackage[];
}

export interface NodeEntry {
  /** Source file. */
  in: string;
  /** Output name in `outdir`, without the extension (.mjs). */
  out: string;
}

/**
 * Bundles `entries` into `outdir` as <out>.mjs, with the code they share or
 * load by `import()` in chunks/*.mjs beside them (code splitting): a process
 * parses only what it loads, and loads what an `import()` names only when
 * that runs — pdf.js and mammoth on the first ingestion, not at start. A new
 * entry (a worker thread's, say) is one more line in `entries`; what it
 * shares with the others lands in common chunks, loaded once per thread.
 *
 * Source maps: linked (`//# sourceMappingURL`), mapping our own code only
 * (slimSourceMap), so that Node's --enable-source-maps — which parses a
 * file's whole map the first time a stack in it is formatted, and pino does
 * that at every start (util.getCallSites) — reads kilobytes, not the 15 MB
 * a map of every dependency took.
 *
 * The external packages go to `outdir`/node_modules (replaced on every call),
 * copied from the project's node_modules (whatever `root` the entries are
 * resolved from): a bundle runs wherever its folder is copied, with no
 * other node_modules.
 */
export async function bundleNode(
  root: string,
  entries: NodeEntry[],
  outdir: string,
  options: Pick<BuildOptions, "logLevel"> = {},
): Promise<NodeBundle> {
  const result = await build({
    ...NODE_BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: entries,
    outdir,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: options.logLevel ?? "warning",
  });
  for (const file of result.outputFiles) {
    await mkdir(path.dirname(file.path), { recursive: true });
    await writeFile(file.path, file.path.endsWith(".map") ? slimSourceMap(file.text) : file.contents);
  }
  const packages = layOutShippedPackages(PROJECT_ROOT, path.resolve(root, outdir));
  return { ...result.metafile, packages };
}
