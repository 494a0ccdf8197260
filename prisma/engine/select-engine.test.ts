import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { runPrisma } from "../../tooling/prisma-cli";
import {
  cachedNativeEngines,
  cliEnginesVersion,
  engineCacheDir,
  installedNativeEngines,
  schemaEngineFallback,
  selectSchemaEngine,
  WASM_SCHEMA_ENGINE,
} from "./select-engine";

const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
const { enginesVersion } = (
  JSON.parse(readFileSync(path.resolve("node_modules/@prisma/engines-version/package.json"), "utf8")) as {
    prisma: { enginesVersion: string };
  }
).prisma;

/** A stand-in for node_modules/@prisma/engines holding `files`. */
function enginesDirWith(files: string[]): string {
  const dir = tempDir("prisma-engines-");
  for (const file of files) writeFileSync(path.join(dir, file), "");
  return dir;
}

/** An XDG cache home whose Prisma cache holds `files` for one binary target. */
function cacheHomeWith(files: string[], target = "debian-openssl-3.0.x"): string {
  const cacheHome = tempDir("prisma-cache-");
  const dir = path.join(cacheHome, "prisma", "master", enginesVersion, target);
  mkdirSync(dir, { recursive: true });
  for (const file of files) writeFileSync(path.join(dir, file), "");
  return cacheHome;
}

describe("schema engine selection", () => {
  it("leaves an engine the user chose alone", () => {
    expect(schemaEngineFallback({ PRISMA_SCHEMA_ENGINE_BINARY: "/opt/schema-engine" })).toBeUndefined();
    // Its deprecated name too.
    expect(schemaEngineFallback({ PRISMA_MIGRATION_ENGINE_BINARY: "/opt/schema-engine" })).toBeUndefined();
  });

  it("uses a native engine found in Prisma's download cache", () => {
    const cacheHome = tempDir("prisma-cache-");
    const target = path.join(cacheHome, "prisma", "master", enginesVersion, "debian-openssl-3.0.x");
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, "schema-engine"), "");
    writeFileSync(path.join(target, "schema-engine.sha256"), "");
    expect(schemaEngineFallback({ XDG_CACHE_HOME: cacheHome })).toBeUndefined();
  });

  it("uses the native engine @prisma/engines' postinstall installed", () => {
    const enginesDir = enginesDirWith(["schema-engine-debian-openssl-3.0.x"]);
    expect(installedNativeEngines(enginesDir)).toEqual(["schema-engine-debian-openssl-3.0.x"]);
    expect(
      schemaEngineFallback({ XDG_CACHE_HOME: tempDir("prisma-cache-") }, { enginesDir, enginesVersion }),
    ).toBeUndefined();
  });

  it("falls back to the wasm engine when no native one was downloaded", () => {
    // A failed download leaves no binary; a checksum or an archive alone is not an engine.
    const enginesDir = enginesDirWith([
      "schema-engine-debian-openssl-3.0.x.sha256",
      "schema-engine-debian-openssl-3.0.x.gz",
    ]);
    expect(installedNativeEngines(enginesDir)).toEqual([]);
    // A cache entry without its checksum is one the CLI would not use.
    const cacheHome = cacheHomeWith(["schema-engine"]);
    expect(cachedNativeEngines(engineCacheDir(enginesVersion, { XDG_CACHE_HOME: cacheHome }))).toEqual([]);
    expect(schemaEngineFallback({ XDG_CACHE_HOME: cacheHome }, { enginesDir, enginesVersion })).toBe(
      WASM_SCHEMA_ENGINE,
    );
    // The cache of another engines version is not this CLI's either.
    const otherVersion = tempDir("prisma-cache-");
    mkdirSync(path.join(otherVersion, "prisma", "master", "0000000", "debian-openssl-3.0.x"), { recursive: true });
    expect(schemaEngineFallback({ XDG_CACHE_HOME: otherVersion }, { enginesDir, enginesVersion })).toBe(
      WASM_SCHEMA_ENGINE,
    );
  });

  it("looks in the cache the CLI downloads to", () => {
    expect(cliEnginesVersion()).toBe(enginesVersion);
    expect(engineCacheDir(enginesVersion, { XDG_CACHE_HOME: "/x" })).toBe(
      path.join("/x", "prisma", "master", enginesVersion),
    );
    // An empty XDG_CACHE_HOME is unset, as for the CLI.
    expect(engineCacheDir(enginesVersion, { XDG_CACHE_HOME: "" })).toMatch(
      new RegExp(`\\.cache.prisma.master.${enginesVersion}$`),
    );
  });

  it("sets PRISMA_SCHEMA_ENGINE_BINARY only when it falls back", () => {
    const chosen = { PRISMA_SCHEMA_ENGINE_BINARY: "/opt/schema-engine" };
    expect(selectSchemaEngine(chosen)).toBeUndefined();
    expect(chosen.PRISMA_SCHEMA_ENGINE_BINARY).toBe("/opt/schema-engine");

    const vars: Record<string, string | undefined> = { XDG_CACHE_HOME: tempDir("prisma-cache-") };
    const fallback = selectSchemaEngine(vars);
    expect(vars.PRISMA_SCHEMA_ENGINE_BINARY).toBe(fallback);
    if (fallback) expect(fallback).toBe(WASM_SCHEMA_ENGINE);
  });

  it("runs the engine prisma.config.ts chose", async () => {
    const { output } = await runPrisma(["--version"], { databaseUrl: "" });
    const fallback = schemaEngineFallback({ ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "" });
    expect(output).toMatch(
      fallback ? /Schema Engine\s*:\s*schema-engine-wasm/ : /Schema Engine\s*:\s*schema-engine-cli/,
    );
    // With the wasm engine, `prisma --version` names it and the npm package it comes from.
    if (fallback) {
      const { version } = JSON.parse(
        readFileSync(path.resolve("node_modules/@prisma/schema-engine-wasm/package.json"), "utf8"),
      ) as {
        version: string;
      };
      expect(output).toContain(`WebAssembly fallback, @prisma/schema-engine-wasm@${version}`);
      expect(output).toMatch(/at prisma\/engine\/schema-engine-wasm\.mjs, resolved by PRISMA_SCHEMA_ENGINE_BINARY/);
    }
  });
});
