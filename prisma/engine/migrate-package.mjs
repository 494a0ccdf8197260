/**
 * Rewrites package.json (in the current directory) down to what
 * `prisma migrate deploy` loads: the Prisma CLI and the packages the wasm
 * schema engine (./schema-engine-wasm.mjs) imports, at this project's pinned
 * versions, with no scripts. The Dockerfile's migrate image then runs
 * `npm install --omit=dev` against the project's lockfile, which keeps every
 * locked version: about a third of the size of `npm ci --omit=dev`, which
 * would bring Next.js, React and Better Auth into a one-shot migration.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Package names `source` imports (bare specifiers; node: built-ins left out). */
export function importedPackages(source) {
  const names = new Set();
  for (const [, specifier] of source.matchAll(/^import\s[^"']*["']([^"'./][^"']*)["']/gm)) {
    if (specifier.startsWith("node:")) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
  }
  return names;
}

/** The package.json the migrate image installs from. */
export function migratePackageJson(packageJson, engineSource) {
  const needed = ["prisma", ...importedPackages(engineSource)].sort();
  const dependencies = {};
  for (const name of needed) {
    const version = packageJson.dependencies?.[name];
    if (!version) throw new Error(`${name} is imported by the schema engine but is not in package.json's dependencies`);
    dependencies[name] = version;
  }
  return {
    name: `${packageJson.name}-migrate`,
    version: packageJson.version,
    private: true,
    type: packageJson.type,
    dependencies,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const packageJson = JSON.parse(readFileSync("package.json", "utf8"));
  const engineSource = readFileSync(path.join(here, "schema-engine-wasm.mjs"), "utf8");
  writeFileSync("package.json", `${JSON.stringify(migratePackageJson(packageJson, engineSource), null, 2)}\n`);
}
