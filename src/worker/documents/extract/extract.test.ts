import { describe, expect, it } from "vitest";

import { extractText } from "./extract";
import { failure, fixture } from "../../../../tests/support/worker/extract-fixtures";

describe("extractText", () => {
  it("reads every format it is given", async () => {
    expect((await extractText(fixture("three-pages.pdf"), "pdf")).pages).toBe(3);
    expect((await extractText(fixture("sample.docx"), "docx")).sections).toBe(4);
    const html = await extractText(fixture("sample.html"), "html");
    expect(html.units.map((u) => u.section)).toEqual([
      "Sample",
      "Introduction",
      "Details",
      "Deeper heading",
      "Conclusion",
    ]);
    expect((await extractText(fixture("sample.md"), "markdown")).units.at(-1)).toEqual({
      section: "Conclusion",
      text: "Conclusion\n\nThe final paragraph mentions Quetzalcoatl.",
    });
    expect((await extractText(Buffer.from("one\n\ntwo"), "text")).units).toEqual([{ text: "one\n\ntwo" }]);
  });

  it("reads Markdown and HTML in UTF-16 with a byte-order mark", async () => {
    const markdown = Buffer.from("\ufeff# Überschrift\n\nText", "utf16le");
    expect((await extractText(Buffer.from(markdown).swap16(), "markdown")).units).toEqual([
      { section: "Überschrift", text: "Überschrift\n\nText" },
    ]);
    expect((await extractText(Buffer.from("\ufeff<p>Grüße</p>", "utf16le"), "html")).units).toEqual([
      { text: "Grüße" },
    ]);
  });

  it("removes NUL bytes and the search's highlight markers from every format", async () => {
    const nasty = "in\u0000voice \ue000marked\ue001";
    expect((await extractText(Buffer.from(nasty), "text")).units).toEqual([{ text: "invoice marked" }]);
    expect((await extractText(Buffer.from(`<h1>T\u0000itle</h1><p>${nasty}</p>`), "html")).units).toEqual([
      { section: "Title", text: "Title\n\ninvoice marked" },
    ]);
    expect((await extractText(Buffer.from(`# T\ue000itle\n\n${nasty}`), "markdown")).units).toEqual([
      { section: "Title", text: "Title\n\ninvoice marked" },
    ]);
  });

  it("refuses text that is not UTF-8 even when detection was skipped", async () => {
    const latin1 = Buffer.from("<p>caf\xe9</p>", "latin1");
    expect((await failure(extractText(latin1, "html"))).code).toBe("invalid_encoding");
    expect((await failure(extractText(latin1, "markdown"))).code).toBe("invalid_encoding");
  });

  it("refuses a document with no text at all", async () => {
    const error = await failure(extractText(Buffer.from("<html><script>only()</script>\u0000 </html>"), "html"));
    expect(error).toMatchObject({ code: "no_text", reason: "The document contains no text." });
  });

  it("gives a file that is not a ZIP a damaged-document reason as a Word document", async () => {
    expect((await failure(extractText(Buffer.from("plain text, not a zip"), "docx"))).code).toBe("damaged");
  });
});
