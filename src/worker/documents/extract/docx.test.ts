import { describe, expect, it } from "vitest";

import { extractDocx } from "./docx";
import { deflatedZeros, zip } from "../../../../tests/support/worker/zip-writer";
import { failure, fixture } from "../../../../tests/support/worker/extract-fixtures";

describe("extractDocx", () => {
  it("reads a pandoc-made Word document, one unit per heading", async () => {
    const { units, sections } = await extractDocx(fixture("sample.docx"));
    expect(units.map((u) => u.section)).toEqual(["Introduction", "Details", "Deeper heading", "Conclusion"]);
    expect(sections).toBe(4);
    expect(units[0]?.text).toBe(
      "Introduction\n\nThis document tests extraction of Markdown, and of the Word and HTML files pandoc makes from it. It mentions a link and inline code.",
    );
    expect(units[1]?.text).toContain("Banana");
    expect(units[3]?.text).toContain("Quetzalcoatl");
  });

  it("refuses a zip bomb before mammoth unzips it", async () => {
    const bomb = zip([
      { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
      { name: "word/document.xml", deflated: deflatedZeros(1024), declaredSize: 4096 },
    ]);
    const error = await failure(extractDocx(bomb));
    expect(error.code).toBe("too_large");
    expect(error.reason).toMatch(/^The document expands to more than 100 MB: too large to process\.$/);
  });

  it("says a ZIP that is not a Word document is not one", async () => {
    const workbook = zip([
      { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
      { name: "xl/workbook.xml", data: Buffer.from("<workbook/>") },
    ]);
    const error = await failure(extractDocx(workbook));
    expect(error.code).toBe("not_word_document");
    expect(error.reason).toBe(
      "The file is a ZIP archive but not a Word document: it is an Excel workbook. Upload a .docx saved by Word, LibreOffice or Google Docs.",
    );
  });

  it("calls a Word document with a broken main part damaged", async () => {
    const broken = zip([
      { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
      { name: "word/document.xml", data: Buffer.from("<w:document><unclosed") },
    ]);
    expect((await failure(extractDocx(broken))).code).toBe("damaged");
  });
});
