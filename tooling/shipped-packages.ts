/**
 * The packages the worker's bundles cannot inline, and how they ship beside
 * them. tesseract.js starts its own worker thread from a script file in its
 * package and loads tesseract.js-core's .wasm by path; the OCR code finds the
 * @tesseract.js-data/* models by resolving the package's folder; sharp loads
 * a native addon from @img/*. So esbuild leaves these as imports
 * (EXTERNAL_PACKAGES) and bundleNode() copies them, with their own
 * dependencies, from the project's node_modules into <outdir>/node_modules,
 * where Node finds them from the bundle and its chunks. Copied, not installed:
 * the build stays offline and ships what `npm ci` installed, each version
 * checked against package-lock.json.
 */
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

/** esbuild `external` patterns (a trailing `/*` is a scope); each must match a shipped package. */
export const EXTERNAL_PACKAGES = ["tesseract.js", "tesseract.js-core", "@tesseract.js-data/*", "sharp", "@img/*"];

/**
 * Files of a shipped package that the worker never loads, left out (by base
 * name). tesseract.js-core's *.wasm.js are the browser's builds, with the
 * WebAssembly inlined as text (30 of its 44 MB): in Node, tesseract.js
 * requires tesseract-core*.js, which read the .wasm beside them
 * (tesseract.js/src/worker-script/node/getCore.js). A language package's
 * 4.0.0/ holds the legacy engine's model (11 MB for English): the OCR code
 * loads 4.0.0_best_int/ only (src/worker/documents/extract/ocr/languages.ts).
 */
const NOT_LOADED_BY_NODE: [pattern: string, unused: RegExp][] = [
  ["tesseract.js-core", /\.wasm\.js$/],
  ["@tesseract.js-data/*", /^4\.0\.0$/],
];

export interface ShippedPackage {
  name: string;
  version: string;
  /** Where it sits under node_modules, as in the project's: "sharp", or "a/node_modules/b" for a nested copy. */
  path: string;
  /** Bytes copied (its own files, not the packages nested in it). */
  bytes: number;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Lockfile {
  packages: Record<string, { version?: string } | undefined>;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"));

export function matchesExternal(name: string, pattern: string): boolean {
  return pattern.endsWith("/*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** The project's dependencies that are external: where the shipped graph starts. */
export function shippedRoots(dependencies: Record<string, string>): string[] {
  return Object.keys(dependencies)
    .filter((name) => EXTERNAL_PACKAGES.some((pattern) => matchesExternal(name, pattern)))
    .sort();
}

/**
 * The folder Node would load `name` from when required inside `fromDir`:
 * the nearest node_modules/<name> on the way up, never above `root`.
 */
function locate(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== "node_modules") {
      const candidate = path.join(dir, "node_modules", name);
      if (existsSync(path.join(candidate, "package.json"))) return candidate;
    }
    if (dir === root || !dir.startsWith(root)) return undefined;
  }
}

/**
 * `roots` and everything they need at run time, as installed under
 * `root`/node_modules: dependencies (missing is an error), optional
 * dependencies and optional peers (missing means another platform's, skipped),
 * peers (npm installs them).
 */
export function packageGraph(root: string, roots: string[]): { name: string; version: string; dir: string }[] {
  const lock = readJson(path.join(root, "package-lock.json")) as Lockfile;
  const found = new Map<string, { name: string; version: string; dir: string }>();
  const visit = (name: string, fromDir: string, neededBy: string, required: boolean) => {
    const dir = locate(root, fromDir, name);
    if (!dir) {
      if (required) throw new Error(`${name}, which ${neededBy} needs, is not installed: run npm ci`);
      return;
    }
    if (found.has(dir)) return;
    const manifest = readJson(path.join(dir, "package.json")) as Manifest;
    const rel = path.relative(root, dir).split(path.sep).join("/");
    const locked = lock.packages[rel]?.version;
    if (locked !== manifest.version) {
      throw new Error(
        `${rel} is ${manifest.version}, but package-lock.json ${locked ? `locks ${locked}` : "does not list it"}: run npm ci`,
      );
    }
    found.set(dir, { name, version: manifest.version, dir });
    const optionalPeer = (peer: string) => manifest.peerDependenciesMeta?.[peer]?.optional === true;
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, name, true);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, name, false);
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) visit(dep, dir, name, !optionalPeer(dep));
  };
  for (const name of roots) visit(name, root, "package.json", true);
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

function sizeOf(file: string, skip?: string): number {
  const stat = lstatSync(file);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(file)
    .map((entry) => path.join(file, entry))
    .filter((entry) => entry !== skip)
    .reduce((sum, entry) => sum + sizeOf(entry), 0);
}

/**
 * Replaces `outdir`/node_modules with the external packages the project
 * depends on (package.json's dependencies matching EXTERNAL_PACKAGES: every
 * @tesseract.js-data/* language it pins) and their run-time graph, laid out
 * as in the project's node_modules.
 */
export function layOutShippedPackages(root: string, outdir: string): ShippedPackage[] {
  const { dependencies = {} } = readJson(path.join(root, "package.json")) as {
    dependencies?: Record<string, string>;
  };
  const graph = packageGraph(root, shippedRoots(dependencies));
  for (const pattern of EXTERNAL_PACKAGES) {
    if (!graph.some(({ name }) => matchesExternal(name, pattern)))
      throw new Error(`${pattern} is external to the bundle (EXTERNAL_PACKAGES), but no installed package ships it`);
  }
  const target = path.join(outdir, "node_modules");
  rmSync(target, { recursive: true, force: true });
  return graph.map(({ name, version, dir }) => {
    const rel = path.relative(path.join(root, "node_modules"), dir);
    const dest = path.join(target, rel);
    const nested = path.join(dir, "node_modules");
    const unused = NOT_LOADED_BY_NODE.find(([pattern]) => matchesExternal(name, pattern))?.[1];
    cpSync(dir, dest, {
      recursive: true,
      // A linked package (npm link, a workspace) is copied as its files: the layout must stand alone.
      dereference: true,
      // Packages nested in this one are copied as packages of their own, if the graph has them.
      filter: (source) => source !== nested && !(unused?.test(path.basename(source)) ?? false),
    });
    const bytes = sizeOf(dest, path.join(dest, "node_modules"));
    return { name, version, path: rel.split(path.sep).join("/"), bytes };
  });
}
