import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { PROJECT_ROOT } from "./build-output";
import { EXTERNAL_PACKAGES, layOutShippedPackages, packageGraph, shippedRoots } from "./shipped-packages";

const scratch = mkdtempSync(path.join(tmpdir(), "shipped-packages-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = () => {
  const dir = path.join(scratch, String(++folders));
  mkdirSync(dir);
  return dir;
};

/** Every folder holding a package.json directly under a node_modules (scoped ones included), relative to it. */
function installedUnder(nodeModules: string, prefix = ""): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules).flatMap((entry) => {
    const dir = path.join(nodeModules, entry);
    if (entry.startsWith("@")) return installedUnder(dir, `${prefix}${entry}/`);
    if (!existsSync(path.join(dir, "package.json"))) return [];
    return [`${prefix}${entry}`, ...installedUnder(path.join(dir, "node_modules"), `${prefix}${entry}/node_modules/`)];
  });
}

describe("the project's shipped packages", () => {
  const out = folder();
  const packages = layOutShippedPackages(PROJECT_ROOT, out);
  const shipped = path.join(out, "node_modules");

  it("start from every dependency matching an external pattern: tesseract.js, sharp, each language's data", () => {
    expect(shippedRoots({ "tesseract.js": "7.0.0", "@tesseract.js-data/fra": "1.0.0", sharp: "1", pg: "8" })).toEqual([
      "@tesseract.js-data/fra",
      "sharp",
      "tesseract.js",
    ]);
    expect(packages.map(({ name }) => name)).toEqual(
      expect.arrayContaining(["tesseract.js", "tesseract.js-core", "@tesseract.js-data/eng", "sharp"]),
    );
    // sharp's native addon and libvips for this machine, from its optional dependencies.
    if (process.platform === "linux" && process.arch === "x64") {
      expect(packages.map(({ name }) => name)).toEqual(
        expect.arrayContaining(["@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"]),
      );
    }
  });

  it("are a node_modules of their own: the same graph resolves inside it, at the lockfile's versions, with nothing else", () => {
    copyFileSync(path.join(PROJECT_ROOT, "package-lock.json"), path.join(out, "package-lock.json"));
    const roots = shippedRoots({ "tesseract.js": "", "@tesseract.js-data/eng": "", sharp: "" });
    const inside = packageGraph(out, roots).map(({ dir }) => path.relative(shipped, dir));
    expect(inside.sort()).toEqual(packages.map((entry) => entry.path).sort());
    expect(installedUnder(shipped).sort()).toEqual(packages.map((entry) => entry.path).sort());
    // Nothing of the project's that the OCR packages do not need.
    expect(packages.map(({ name }) => name)).not.toContain("pdfjs-dist");
  });

  it("leave out what Node never loads: tesseract.js-core's browser builds", () => {
    const core = readdirSync(path.join(shipped, "tesseract.js-core"));
    expect(core.filter((file) => file.endsWith(".wasm.js"))).toEqual([]);
    expect(core).toEqual(expect.arrayContaining(["tesseract-core-simd-lstm.js", "tesseract-core-simd-lstm.wasm"]));
  });

  it("report each package's own size: together, the whole folder's", () => {
    const core = packages.find(({ name }) => name === "tesseract.js-core")!;
    expect(core.bytes).toBeGreaterThan(5_000_000);
    expect(core.bytes).toBeLessThan(30_000_000);
    // A nested package counts once, as itself, not in the package it sits in too.
    expect(packages.some((entry) => entry.path.includes("/node_modules/"))).toBe(true);
    // Files' bytes, as du --apparent-size would sum them without the folders' own entries.
    const fileBytes = readdirSync(shipped, { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .reduce((sum, entry) => sum + lstatSync(path.join(entry.parentPath, entry.name)).size, 0);
    expect(packages.reduce((sum, entry) => sum + entry.bytes, 0)).toBe(fileBytes);
  });
});

describe("laying out a project's packages", () => {
  interface Fixture {
    /** package.json's dependencies. */
    dependencies: Record<string, string>;
    /** Installed packages by their path under node_modules, with their manifests. */
    installed: Record<
      string,
      { version: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
    >;
    /** Versions the lockfile gives, where they differ from the installed ones (null: not listed). */
    locked?: Record<string, string | null>;
  }

  // One package per external pattern: what the project pins and what its packages need.
  const complete: Fixture = {
    dependencies: { "tesseract.js": "1.0.0", "@tesseract.js-data/eng": "1.0.0", sharp: "2.0.0", other: "1.0.0" },
    installed: {
      "tesseract.js": { version: "1.0.0", dependencies: { "tesseract.js-core": "1.0.0", helper: "^1" } },
      "tesseract.js/node_modules/helper": { version: "1.5.0" },
      helper: { version: "2.0.0" },
      "tesseract.js-core": { version: "1.0.0" },
      "@tesseract.js-data/eng": { version: "1.0.0" },
      sharp: {
        version: "2.0.0",
        optionalDependencies: { "@img/sharp-this-platform": "2.0.0", "@img/sharp-other-platform": "2.0.0" },
      },
      "@img/sharp-this-platform": { version: "2.0.0" },
      other: { version: "1.0.0" },
    },
  };

  function project({ dependencies, installed, locked = {} }: Fixture): string {
    const root = folder();
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "fixture", dependencies }));
    const lockPackages: Record<string, { version: string }> = {};
    for (const [where, manifest] of Object.entries(installed)) {
      const dir = path.join(root, "node_modules", where);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: where.split("node_modules/").at(-1), ...manifest }),
      );
      writeFileSync(path.join(dir, "index.js"), `module.exports = ${JSON.stringify(where)};\n`);
      const version = locked[where] === undefined ? manifest.version : locked[where];
      if (version !== null) lockPackages[`node_modules/${where}`] = { version };
    }
    writeFileSync(path.join(root, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: lockPackages }));
    return root;
  }

  it("copies the graph as installed, a nested copy at its nested place, an absent optional dependency skipped", () => {
    const root = project(complete);
    const out = folder();
    const packages = layOutShippedPackages(root, out);
    expect(packages.map(({ path: where, version }) => `${where}@${version}`).sort()).toEqual([
      "@img/sharp-this-platform@2.0.0",
      "@tesseract.js-data/eng@1.0.0",
      "sharp@2.0.0",
      "tesseract.js-core@1.0.0",
      "tesseract.js/node_modules/helper@1.5.0",
      "tesseract.js@1.0.0",
    ]);
    expect(installedUnder(path.join(out, "node_modules")).sort()).toEqual(packages.map((entry) => entry.path).sort());
  });

  it("refuses a package whose installed version is not the lockfile's", () => {
    const root = project({ ...complete, locked: { "tesseract.js-core": "1.0.1" } });
    expect(() => layOutShippedPackages(root, folder())).toThrow(
      "node_modules/tesseract.js-core is 1.0.0, but package-lock.json locks 1.0.1: run npm ci",
    );
    const unlisted = project({ ...complete, locked: { sharp: null } });
    expect(() => layOutShippedPackages(unlisted, folder())).toThrow(
      "node_modules/sharp is 2.0.0, but package-lock.json does not list it: run npm ci",
    );
  });

  it("refuses a missing dependency", () => {
    const installed = { ...complete.installed };
    delete installed["tesseract.js-core"];
    expect(() => layOutShippedPackages(project({ ...complete, installed }), folder())).toThrow(
      "tesseract.js-core, which tesseract.js needs, is not installed: run npm ci",
    );
  });

  it("refuses an external pattern no shipped package matches: a bundle's import would find nothing", () => {
    const installed = { ...complete.installed };
    delete installed["@img/sharp-this-platform"];
    expect(EXTERNAL_PACKAGES).toContain("@img/*");
    expect(() => layOutShippedPackages(project({ ...complete, installed }), folder())).toThrow(
      "@img/* is external to the bundle (EXTERNAL_PACKAGES), but no installed package ships it",
    );
  });
});
