import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

const projectRoot = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where Prisma's native schema engine cannot be downloaded, point the CLI at the WebAssembly
 * fallback (see prisma/engine/schema-engine-wasm.mjs). The CLI loads this file before it looks
 * for, or downloads, the engine, so setting the variable here is enough.
 * Returns the fallback's path, or undefined when the native engine is to be used: the user chose
 * an engine, or the native binary is installed where the CLI looks first (put there by
 * @prisma/engines' postinstall) or sits in Prisma's download cache, from which the CLI copies it.
 */
export function schemaEngineFallback(vars: Record<string, string | undefined> = process.env): string | undefined {
  if (vars.PRISMA_SCHEMA_ENGINE_BINARY || vars.PRISMA_MIGRATION_ENGINE_BINARY) return undefined;

  const fromCli = createRequire(createRequire(import.meta.url).resolve("prisma/package.json"));
  const enginesDir = path.dirname(path.dirname(fromCli.resolve("@prisma/engines")));
  const installed = readdirSync(enginesDir).some(
    (name) => name.startsWith("schema-engine-") && !name.endsWith(".sha256") && !name.endsWith(".gz"),
  );

  const { enginesVersion } = createRequire(path.join(enginesDir, "package.json"))("@prisma/engines-version");
  const cacheRoot =
    process.platform === "win32" && vars.APPDATA
      ? path.join(vars.APPDATA, "Prisma")
      : path.join(vars.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "prisma");
  const cacheDir = path.join(cacheRoot, "master", enginesVersion);
  const cached =
    existsSync(cacheDir) &&
    readdirSync(cacheDir).some((target) =>
      ["schema-engine", "schema-engine.sha256"].every((file) => existsSync(path.join(cacheDir, target, file))),
    );

  return installed || cached ? undefined : path.join(projectRoot, "prisma/engine/schema-engine-wasm.mjs");
}

const fallback = schemaEngineFallback();
if (fallback) process.env.PRISMA_SCHEMA_ENGINE_BINARY = fallback;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Not env("DATABASE_URL"): that throws while loading this file, and `prisma generate` (run by
  // postinstall) must work without a database. Commands that need one say that url is missing.
  datasource: {
    url: process.env.DATABASE_URL,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
