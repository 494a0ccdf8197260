import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BUILD_OUTPUT } from "../../../../tooling/build-output";
import { bundleNode } from "../../../../tooling/node-bundle";
import { wordDocumentOfTinyParagraphs } from "../../../../tests/support/worker/zip-writer";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => path.join(here, "fixtures", name);

// The production worker is an esbuild bundle (and its chunks) run with no
// node_modules (scripts/build.ts). pdf.js finds its parser by a dynamic import that a
// bundle cannot follow, so this bundles the library the same way and runs it
// from a directory where no package can be found.
describe("the extraction library bundled as the worker is", () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "extract-bundle-"));
    const entry = path.join(dir, "entry.ts");
    writeFileSync(
      entry,
      [
        `import { readFileSync } from "node:fs";`,
        `import { detectDocumentType } from ${JSON.stringify(path.join(here, "detect.ts"))};`,
        `const { extractText } = await import(${JSON.stringify(path.join(here, "extract.ts"))});`,
        `for (const file of process.argv.slice(2)) {`,
        `  const bytes = new Uint8Array(readFileSync(file));`,
        `  const type = await detectDocumentType(bytes.subarray(0, 4100), file);`,
        `  if (!type.ok) throw new Error(type.message);`,
        `  process.stdout.write("RESULT " + JSON.stringify({ type, extracted: await extractText(bytes, type.kind) }) + "\\n");`,
        `}`,
      ].join("\n"),
    );
    // As the worker's: the extractors imported on first use, from a chunk of their own.
    const { outputs } = await bundleNode(dir, [{ in: entry, out: "extract" }], dir, { logLevel: "silent" });
    expect(Object.keys(outputs).filter((file) => file.includes("chunks/") && file.endsWith(".mjs"))).not.toEqual([]);
    bundle = path.join(dir, "extract.mjs");
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  interface Result {
    type: { kind: string };
    extracted: { units: { text: string }[]; pages?: number };
  }

  // One process for all formats: loading pdf.js and mammoth takes most of its time.
  function run(files: string[], { path: PATH = process.env.PATH ?? "" } = {}): Result[] {
    const stdout = execFileSync(process.execPath, [bundle, ...files], {
      cwd: dir,
      encoding: "utf8",
      // No NODE_PATH or other lookup help reaches the child.
      env: { PATH, NODE_ENV: "production" },
      // pdf.js says on stderr that it has no canvas package, which text does not need.
      stdio: ["ignore", "pipe", "pipe"],
    });
    return stdout
      .split("\n")
      .filter((line) => line.startsWith("RESULT "))
      .map((line) => JSON.parse(line.slice("RESULT ".length)) as Result);
  }

  it("finds no package to lean on", () => {
    expect(() => createRequire(bundle).resolve("pdfjs-dist")).toThrow();
  });

  it("detects and extracts a PDF, a Word document and Markdown", () => {
    const [pdf, docx, markdown] = run([fixture("three-pages.pdf"), fixture("sample.docx"), fixture("sample.md")]);
    expect(pdf?.type.kind).toBe("pdf");
    expect(pdf?.extracted.pages).toBe(3);
    expect(pdf?.extracted.units[1]?.text).toContain("Quetzalcoatl");
    expect(docx?.type.kind).toBe("docx");
    expect(docx?.extracted.units.at(-1)?.text).toContain("Quetzalcoatl");
    expect(markdown?.type.kind).toBe("markdown");
    expect(markdown?.extracted.units.at(-1)?.text).toContain("Quetzalcoatl");
  });

  it("reads a PDF with pdf.js where pdftotext is not installed", () => {
    // No PATH: no pdftotext to find, as in a worker image without poppler-utils.
    const [pdf] = run([fixture("three-pages.pdf")], { path: "" });
    expect(pdf?.extracted.pages).toBe(3);
    expect(pdf?.extracted.units[0]?.text).toBe(
      "Page one heading\nThe quick brown fox jumps over the lazy dog. Zebras graze at dawn.",
    );
  });
});

// The worker reads documents on threads that start extract-thread.mjs beside
// its own file (extract-pool.ts): bundled as scripts/build.ts bundles them,
// under the build's file names, and run where no package can be found.
describe("the extraction threads bundled as the worker starts them", () => {
  let dir: string;
  let runner: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "extract-threads-bundle-"));
    const entry = path.join(dir, "entry.ts");
    writeFileSync(
      entry,
      [
        `import { readFileSync } from "node:fs";`,
        `import { createExtractPool } from ${JSON.stringify(path.join(here, "..", "extract-pool.ts"))};`,
        `const pool = createExtractPool({ threads: 1, memoryMb: 128, timeoutMs: 60_000 });`,
        `for (const arg of process.argv.slice(2)) {`,
        `  const [kind, file] = arg.split(":");`,
        `  const answer = await pool.read(new Uint8Array(readFileSync(file)), kind).then(`,
        `    (read) => ({ pages: read.pages, text: read.chunks.map((chunk) => chunk.content).join("\\n") }),`,
        `    (error) => ({ code: error.code, message: error.message }),`,
        `  );`,
        `  process.stdout.write("RESULT " + JSON.stringify(answer) + "\\n");`,
        `}`,
        `await pool.close();`,
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "bomb.docx"), wordDocumentOfTinyParagraphs(20));
    runner = path.join(dir, "runner.mjs");
    await bundleNode(
      dir,
      [
        { in: entry, out: "runner" },
        { in: path.join(here, "..", "extract-thread.ts"), out: path.basename(BUILD_OUTPUT.extractThread, ".mjs") },
      ],
      dir,
      { logLevel: "silent" },
    );
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads on a thread, and a document past the heap limit fails while the next one is read", () => {
    const stdout = execFileSync(
      process.execPath,
      [
        runner,
        `pdf:${fixture("three-pages.pdf")}`,
        `docx:${path.join(dir, "bomb.docx")}`,
        `markdown:${fixture("sample.md")}`,
      ],
      {
        cwd: dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const [pdf, bomb, markdown] = stdout
      .split("\n")
      .filter((line) => line.startsWith("RESULT "))
      .map((line) => JSON.parse(line.slice("RESULT ".length)) as { pages?: number; text?: string; code?: string });
    expect(pdf).toMatchObject({ pages: 3, text: expect.stringContaining("Quetzalcoatl") });
    expect(bomb).toMatchObject({ code: "exceeds_memory" });
    expect(markdown?.text).toContain("Quetzalcoatl");
  }, 120_000);
});
