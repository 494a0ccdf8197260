import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PROJECT_ROOT } from "./build-output";
import { bundleNode } from "./node-bundle";
import { NETWORK_REFUSED, OCR_PROBE_FILE, offlineGuardFlags, probeResult, textImagePng } from "./ocr-probe-harness";

const run = promisify(execFile);

// The worker's bundles import tesseract.js and sharp rather than inline them,
// and bundleNode() lays those packages out beside the bundle. This bundles
// the probe as scripts/build.ts bundles the worker, copies the output to a
// folder outside the project (as the image copies dist/ to /app), removes the
// original, and runs it there, where the project's node_modules cannot be
// reached, under a guard that refuses every connection.
describe("OCR bundled as the worker is, run from a copy of its output", () => {
  let built: string;
  let copy: string;
  let probe: string;
  let png: Buffer;

  beforeAll(async () => {
    built = mkdtempSync(path.join(tmpdir(), "ocr-bundle-"));
    const { outputs, packages } = await bundleNode(
      PROJECT_ROOT,
      [{ in: path.relative(PROJECT_ROOT, OCR_PROBE_FILE), out: "probe" }],
      built,
      { logLevel: "silent" },
    );
    // Imported, not inlined: the bundle is a few kilobytes.
    const bundled = Object.entries(outputs).find(([file]) => file.endsWith("probe.mjs"))![1];
    expect(bundled.bytes).toBeLessThan(10_000);
    expect(bundled.imports.filter((entry) => entry.external).map((entry) => entry.path)).toEqual(
      expect.arrayContaining(["sharp", "tesseract.js"]),
    );
    expect(packages.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["sharp", "tesseract.js", "tesseract.js-core", "@tesseract.js-data/eng"]),
    );
    copy = mkdtempSync(path.join(tmpdir(), "ocr-bundle-copy-"));
    cpSync(built, copy, { recursive: true });
    rmSync(built, { recursive: true, force: true });
    probe = path.join(copy, "probe.mjs");
    png = await textImagePng("Marmalade lighthouse 4217");
  }, 60_000);

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const runProbe = (...args: string[]) =>
    run(process.execPath, [...offlineGuardFlags(), probe, ...args, png.toString("base64")], {
      cwd: copy,
      // No NODE_PATH or other lookup help reaches the child.
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
      timeout: 60_000,
    });

  it("finds no package of the project to lean on", () => {
    expect(() => createRequire(probe).resolve("pdfjs-dist")).toThrow();
    expect(createRequire(probe).resolve("tesseract.js")).toBe(
      path.join(copy, "node_modules/tesseract.js/src/index.js"),
    );
  });

  it("reads the words of a PNG with tesseract.js, sharp and the English model from the folder beside the bundle, offline", async () => {
    const entriesBefore = readdirSync(copy).sort();
    const { stdout, stderr } = await runProbe();
    expect(stderr).not.toMatch(NETWORK_REFUSED);
    const result = probeResult(stdout, stderr);
    expect(result.text.trim()).toBe("Marmalade lighthouse 4217");
    expect(result.confidence).toBeGreaterThan(80);
    expect(result.width).toBeGreaterThan(0);
    const shipped = path.join(copy, "node_modules");
    expect(result.loaded).toEqual({
      tesseract: path.join(shipped, "tesseract.js/src/index.js"),
      sharp: path.join(shipped, "sharp/dist/index.cjs"),
      langPath: path.join(shipped, "@tesseract.js-data/eng/4.0.0_best_int"),
    });
    // cacheMethod "none": no eng.traineddata written where it ran.
    expect(readdirSync(copy).sort()).toEqual(entriesBefore);
  }, 60_000);

  it("is seen by the guard when tesseract.js would download its model (no langPath)", async () => {
    const failed = await runProbe("--cdn").then(
      () => undefined,
      (error: unknown) => error as { stderr: string },
    );
    expect(failed?.stderr).toMatch(/^NETWORK fetch https:\/\/cdn\.jsdelivr\.net\/.*eng\.traineddata\.gz$/m);
  }, 60_000);
});
