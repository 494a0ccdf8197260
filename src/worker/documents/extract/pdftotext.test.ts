import { describe, expect, it } from "vitest";

import { hasPdftotext, pdftotextPages } from "./pdftotext";
import { fixture, PDF_EXTRACTORS } from "../../../../tests/support/worker/extract-fixtures";

// Where poppler-utils is installed, and under CI, which installs it.
describe.runIf(PDF_EXTRACTORS.includes("pdftotext"))("pdftotextPages", () => {
  it("finds pdftotext", async () => {
    expect(await hasPdftotext()).toBe(true);
  });

  it("gives each page's text, the PDF sent on stdin", async () => {
    const pages = await pdftotextPages(fixture("three-pages.pdf"));
    expect(pages).toHaveLength(3);
    expect(pages?.[0]).toContain("The quick brown fox jumps over the lazy dog.");
    expect(pages?.[2]).toContain("café, naïve, Ærøskøbing");
  });

  it("gives up on a file it cannot read: a password, damage", async () => {
    expect(await pdftotextPages(fixture("password.pdf"))).toBeUndefined();
    const whole = fixture("three-pages.pdf");
    expect(await pdftotextPages(whole.subarray(0, 1000))).toBeUndefined();
  });

  it("gives up past its limits: text written, time taken", async () => {
    expect(await pdftotextPages(fixture("three-pages.pdf"), { maxOutputBytes: 20 })).toBeUndefined();
    expect(await pdftotextPages(fixture("three-pages.pdf"), { timeoutMs: 1 })).toBeUndefined();
  });
});
