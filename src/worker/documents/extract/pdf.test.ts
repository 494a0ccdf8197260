import { describe, expect, it } from "vitest";

import { extractPdf as extract } from "./pdf";
import { failure as failureOf, fixture, PDF_EXTRACTORS } from "../../../../tests/support/worker/extract-fixtures";

// pdftotext hands a file it cannot read to pdf.js, which says why: the failures are the same by either.
describe.each(PDF_EXTRACTORS)("extractPdf by %s", (by) => {
  const extractPdf = (bytes: Uint8Array) => extract(bytes, undefined, by);
  const failure = (bytes: Uint8Array) => failureOf(extract(bytes, undefined, by === "pdftotext" ? "auto" : by));

  it("reads a Chromium-printed PDF page by page", async () => {
    const { units, pages } = await extractPdf(fixture("three-pages.pdf"));
    expect(pages).toBe(3);
    expect(units.map((u) => u.page)).toEqual([1, 2, 3]);
    expect(units[0]?.text).toBe("Page one heading\nThe quick brown fox jumps over the lazy dog. Zebras graze at dawn.");
    expect(units[1]?.text).toContain("Quetzalcoatl");
    expect(units[2]?.text).toContain("café, naïve, Ærøskøbing");
  });

  it("leaves the caller's bytes usable (pdf.js detaches what it is given)", async () => {
    const bytes = fixture("three-pages.pdf");
    await extractPdf(bytes);
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect((await extractPdf(bytes)).pages).toBe(3);
  });

  it("calls a corrupt PDF damaged", async () => {
    const corrupt = Buffer.concat([
      Buffer.from("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R"),
      Buffer.alloc(2000, 0x5a),
      Buffer.from("\n%%EOF\n"),
    ]);
    const error = await failure(corrupt);
    expect(error.code).toBe("damaged");
    expect(error.reason).toMatch(/^The PDF is damaged/);
  });

  it("calls a truncated PDF damaged", async () => {
    const whole = fixture("three-pages.pdf");
    expect((await failure(whole.subarray(0, Math.floor(whole.length / 2)))).code).toBe("damaged");
  });

  it("says a password-protected PDF needs its password removed", async () => {
    const error = await failure(fixture("password.pdf"));
    expect(error.code).toBe("password_protected");
    expect(error.reason).toBe("The PDF is password-protected: remove the password and upload again.");
  });

  it("says an image-only PDF has no text layer", async () => {
    const error = await failure(fixture("image-only.pdf"));
    expect(error.code).toBe("no_text_layer");
    expect(error.reason).toContain("no text layer (scanned?): OCR not supported");
  });
});
