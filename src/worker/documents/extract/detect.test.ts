import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { detectDocumentType, DETECTION_HEAD_BYTES, DOCX_MIME } from "./detect";
import { zip } from "../../../../tests/support/worker/zip-writer";
import { fixture } from "../../../../tests/support/worker/extract-fixtures";

const head = (bytes: Uint8Array) => bytes.subarray(0, DETECTION_HEAD_BYTES);
const text = (value: string) => Buffer.from(value, "utf8");
const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...Array<number>(56).fill(0)]);
const mz = Buffer.concat([
  Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "latin1"),
  Buffer.alloc(50),
]);

describe("detectDocumentType", () => {
  it("recognises the formats it reads from their content", async () => {
    expect(await detectDocumentType(head(fixture("three-pages.pdf")), "report.pdf")).toEqual({
      ok: true,
      kind: "pdf",
      mimeType: "application/pdf",
    });
    expect(await detectDocumentType(head(fixture("sample.docx")), "letter.docx")).toEqual({
      ok: true,
      kind: "docx",
      mimeType: DOCX_MIME,
    });
    expect(await detectDocumentType(head(fixture("sample.html")), "page.html")).toEqual({
      ok: true,
      kind: "html",
      mimeType: "text/html; charset=utf-8",
    });
    expect(await detectDocumentType(head(fixture("sample.md")), "notes.md")).toEqual({
      ok: true,
      kind: "markdown",
      mimeType: "text/markdown; charset=utf-8",
    });
    expect(await detectDocumentType(text("Just some notes.\n"), "notes.txt")).toEqual({
      ok: true,
      kind: "text",
      mimeType: "text/plain; charset=utf-8",
    });
  });

  it("trusts content over the name", async () => {
    expect((await detectDocumentType(head(fixture("three-pages.pdf")), "scan.txt")).ok && "pdf").toBe("pdf");
    expect(
      await detectDocumentType(text("<!DOCTYPE html><html><body><p>Hi</p></body></html>"), "page.txt"),
    ).toMatchObject({ kind: "html" });
    expect(await detectDocumentType(text("# Title\n\nSome text\n\n- a list\n"), "README")).toMatchObject({
      kind: "markdown",
    });
    expect(await detectDocumentType(text("# a comment in a config file\nkey = value\n"), "settings.txt")).toMatchObject(
      { kind: "text" },
    );
  });

  it("takes any ZIP as a Word candidate, for extraction to judge", async () => {
    expect(await detectDocumentType(zip([{ name: "hello.txt", data: text("hi") }]), "archive.docx")).toMatchObject({
      ok: true,
      kind: "docx",
    });
  });

  it("reads UTF-16 with a byte-order mark, and says which", async () => {
    const le = Buffer.from("\ufeffPlain UTF-16 text", "utf16le");
    expect(await detectDocumentType(le, "a.txt")).toEqual({
      ok: true,
      kind: "text",
      mimeType: "text/plain; charset=utf-16le",
    });
    expect(await detectDocumentType(Buffer.from(le).swap16(), "a.txt")).toEqual({
      ok: true,
      kind: "text",
      mimeType: "text/plain; charset=utf-16be",
    });
  });

  it("accepts a head that ends inside a multi-byte character", async () => {
    const long = text("é".repeat(DETECTION_HEAD_BYTES));
    expect(await detectDocumentType(long.subarray(0, DETECTION_HEAD_BYTES + 1), "a.txt")).toMatchObject({
      ok: true,
      kind: "text",
    });
  });

  it("refuses an empty file", async () => {
    expect(await detectDocumentType(new Uint8Array(), "empty.pdf")).toEqual({
      ok: false,
      code: "empty",
      message: "The file is empty.",
    });
  });

  it("refuses an executable, whatever it is named", async () => {
    expect(await detectDocumentType(elf, "invoice.pdf")).toEqual({
      ok: false,
      code: "executable",
      message: "The file is named .pdf but it is not a PDF: it is an executable program (ELF), not a document.",
    });
    expect(await detectDocumentType(mz, "setup.docx")).toMatchObject({
      ok: false,
      code: "executable",
      message: expect.stringContaining("executable program (EXE)"),
    });
  });

  it("takes PNG, JPEG, TIFF and WebP images (read by OCR) by their bytes, whatever their name", async () => {
    const picture = sharp({ create: { width: 4, height: 4, channels: 3, background: "white" } });
    const files: [Buffer, string, string][] = [
      [await picture.clone().png().toBuffer(), "scan", "image/png"],
      [await picture.clone().jpeg().toBuffer(), "IMG_0042.JPG", "image/jpeg"],
      [await picture.clone().tiff().toBuffer(), "fax.tif", "image/tiff"],
      [await picture.clone().webp().toBuffer(), "page.webp", "image/webp"],
    ];
    for (const [bytes, name, mimeType] of files) {
      expect(await detectDocumentType(bytes, name)).toEqual({ ok: true, kind: "image", mimeType });
    }
    // A scanner's TIFF has its first directory at the end, past the head detection reads.
    const scan = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: "white" } })
      .toColourspace("b-w")
      .tiff()
      .toBuffer();
    expect(await detectDocumentType(head(scan), "scan.tif")).toEqual({
      ok: true,
      kind: "image",
      mimeType: "image/tiff",
    });
    // A picture named as a PDF is not what the uploader believed it was.
    expect(await detectDocumentType(files[0]![0], "contract.pdf")).toMatchObject({
      ok: false,
      code: "extension_mismatch",
      message: expect.stringContaining("PNG file (image/png)"),
    });
  });

  it("refuses other binary formats, naming them", async () => {
    const gif = Buffer.from("474946383961010001000000002c00000000010001000002024401003b", "hex");
    expect(await detectDocumentType(gif, "anim.gif")).toMatchObject({
      ok: false,
      code: "unsupported_type",
      message: expect.stringContaining(
        "GIF file (image/gif). This app reads PDF, Word .docx, HTML, Markdown, plain text, or an image (PNG, JPEG, TIFF, WebP).",
      ),
    });
    expect(
      await detectDocumentType(Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0x80, 0x00, 0x00]), "data.bin"),
    ).toMatchObject({ ok: false, code: "unsupported_type" });
  });

  it("refuses a file whose name says PDF or Word when its content is not", async () => {
    expect(await detectDocumentType(text("Dear Sir,\nthis is a letter.\n"), "letter.docx")).toEqual({
      ok: false,
      code: "extension_mismatch",
      message:
        "The file is named .docx but it is not a Word document (not a ZIP archive). Save it from Word as .docx and upload it again.",
    });
    expect(await detectDocumentType(text("just text"), "report.pdf")).toMatchObject({
      ok: false,
      code: "extension_mismatch",
    });
  });

  it("refuses text that is not UTF-8, asking for UTF-8", async () => {
    const latin1 = Buffer.from("Cr\xe8me br\xfbl\xe9e, caf\xe9 cr\xe8me.\n", "latin1");
    expect(await detectDocumentType(latin1, "menu.txt")).toMatchObject({
      ok: false,
      code: "text_encoding",
      message: expect.stringContaining("save it as UTF-8"),
    });
    expect(await detectDocumentType(Buffer.from("UTF-16 without its mark", "utf16le"), "a.txt")).toMatchObject({
      ok: false,
      code: "text_encoding",
    });
  });
});
