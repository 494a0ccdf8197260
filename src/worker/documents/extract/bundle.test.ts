import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { bundleNode } from "../../../../tooling/node-bundle";

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
  function run(...files: string[]): Result[] {
    const stdout = execFileSync(process.execPath, [bundle, ...files], {
      cwd: dir,
      encoding: "utf8",
      // No NODE_PATH or other lookup help reaches the child.
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
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
    const [pdf, docx, markdown] = run(fixture("three-pages.pdf"), fixture("sample.docx"), fixture("sample.md"));
    expect(pdf?.type.kind).toBe("pdf");
    expect(pdf?.extracted.pages).toBe(3);
    expect(pdf?.extracted.units[1]?.text).toContain("Quetzalcoatl");
    expect(docx?.type.kind).toBe("docx");
    expect(docx?.extracted.units.at(-1)?.text).toContain("Quetzalcoatl");
    expect(markdown?.type.kind).toBe("markdown");
    expect(markdown?.extracted.units.at(-1)?.text).toContain("Quetzalcoatl");
  });
});
