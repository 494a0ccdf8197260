/**
 * Which schema engine the Prisma CLI runs: Prisma's native binary wherever it could be downloaded
 * (a laptop, a Docker build that reaches binaries.prisma.sh), the WebAssembly build behind
 * ./schema-engine-wasm.mjs where it could not (a machine that reaches only the npm registry).
 * prisma.config.ts calls selectSchemaEngine() at every CLI start, before the CLI looks for, or
 * tries to download, its engine. `prisma --version` shows the outcome on its "Schema Engine" line.
 * docs/decisions/0003-prisma-wasm-schema-engine-fallback.md says why.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

type Vars = Record<string, string | undefined>;

/** The executable that speaks the native engine's protocol over @prisma/schema-engine-wasm. */
export const WASM_SCHEMA_ENGINE = path.join(path.dirname(fileURLToPath(import.meta.url)), "schema-engine-wasm.mjs");

/** The @prisma/engines package the CLI uses: where its postinstall puts the native binary. */
export function cliEnginesDir(): string {
  const fromCli = createRequire(createRequire(import.meta.url).resolve("prisma/package.json"));
  return path.dirname(fromCli.resolve("@prisma/engines/package.json"));
}

/** The engines hash the CLI was built with (@prisma/engines-version): the native binary's version. */
export function cliEnginesVersion(enginesDir = cliEnginesDir()): string {
  return (createRequire(path.join(enginesDir, "package.json"))("@prisma/engines-version") as { enginesVersion: string })
    .enginesVersion;
}

/** Native binaries @prisma/engines' postinstall (or an earlier CLI run) installed: schema-engine-<target>. */
export function installedNativeEngines(enginesDir: string): string[] {
  if (!existsSync(enginesDir)) return [];
  return readdirSync(enginesDir).filter(
    (name) => name.startsWith("schema-engine-") && !name.endsWith(".sha256") && !name.endsWith(".gz"),
  );
}

/** Prisma's download cache for one engines version: <cache>/prisma/master/<hash>. */
export function engineCacheDir(enginesVersion: string, vars: Vars = process.env): string {
  const cacheRoot =
    process.platform === "win32" && vars.APPDATA
      ? path.join(vars.APPDATA, "Prisma")
      : path.join(vars.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "prisma");
  return path.join(cacheRoot, "master", enginesVersion);
}

/** Binary targets with a complete download (binary and checksum) in that cache; the CLI copies one from there. */
export function cachedNativeEngines(cacheDir: string): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir).filter((target) =>
    ["schema-engine", "schema-engine.sha256"].every((file) => existsSync(path.join(cacheDir, target, file))),
  );
}

export interface EngineLocations {
  /** Defaults to the CLI's own @prisma/engines. */
  enginesDir?: string;
  /** Defaults to the engines hash of that package. */
  enginesVersion?: string;
}

/**
 * The wasm fallback's path, or undefined when the native engine is to be used: the user chose an
 * engine (PRISMA_SCHEMA_ENGINE_BINARY, or its deprecated name), or the native binary is installed
 * where the CLI looks first, or sits in Prisma's download cache.
 */
export function schemaEngineFallback(vars: Vars = process.env, where: EngineLocations = {}): string | undefined {
  if (vars.PRISMA_SCHEMA_ENGINE_BINARY || vars.PRISMA_MIGRATION_ENGINE_BINARY) return undefined;
  const enginesDir = where.enginesDir ?? cliEnginesDir();
  if (installedNativeEngines(enginesDir).length > 0) return undefined;
  const enginesVersion = where.enginesVersion ?? cliEnginesVersion(enginesDir);
  if (cachedNativeEngines(engineCacheDir(enginesVersion, vars)).length > 0) return undefined;
  return WASM_SCHEMA_ENGINE;
}

/** Points the CLI at the wasm fallback when the native engine is not there. Returns the fallback, if chosen. */
export function selectSchemaEngine(vars: Vars = process.env): string | undefined {
  const fallback = schemaEngineFallback(vars);
  if (fallback) vars.PRISMA_SCHEMA_ENGINE_BINARY = fallback;
  return fallback;
}
