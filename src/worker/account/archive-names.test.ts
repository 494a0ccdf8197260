import { describe, expect, it } from "vitest";

import { archiveNames } from "./archive-names";

describe("archive names", () => {
  it("keeps an ordinary name as it is", () => {
    expect(archiveNames(["Quarterly report.pdf", "notes.md", "README", "Überblick – 2026.docx"])).toEqual([
      "Quarterly report.pdf",
      "notes.md",
      "README",
      "Überblick – 2026.docx",
    ]);
  });

  it("numbers equal names before the extension, the first keeping its own, ignoring case", () => {
    expect(archiveNames(["notes.md", "notes.md", "Notes.MD", "notes (2).md", "notes"])).toEqual([
      "notes.md",
      "notes (2).md",
      "Notes (3).MD",
      "notes (2) (2).md",
      "notes",
    ]);
  });

  it("leaves no way out of the folder and nothing a file system refuses", () => {
    const names = archiveNames([
      "..",
      ".",
      "../../etc/passwd",
      "a\\..\\b.txt",
      "",
      "...",
      "a:b?.txt",
      "x\u202Egpj.exe",
    ]);
    expect(names).toEqual([
      "document",
      "document (2)",
      ".._.._etc_passwd",
      "a_.._b.txt",
      "document (3)",
      "document (4)",
      "a_b_.txt",
      "xgpj.exe",
    ]);
    for (const name of names) {
      expect(name.split(/[/\\]/u)).toEqual([name]);
      expect(name).not.toMatch(/^\.+$/u);
    }
  });

  it("drops the trailing dots and spaces Windows drops, so two names cannot meet there", () => {
    expect(archiveNames(["report.", "report ", "  report. . "])).toEqual(["report", "report (2)", "report (3)"]);
  });

  it("moves Windows' device names aside, with or without an extension", () => {
    expect(archiveNames(["CON", "con.txt", "nul.tar.gz", "lpt1.md", "console.txt", "COM10"])).toEqual([
      "_CON",
      "_con.txt",
      "_nul.tar.gz",
      "_lpt1.md",
      "console.txt",
      "COM10",
    ]);
  });

  it("shortens a long name to 255 UTF-8 bytes by whole characters, keeping its extension and number", () => {
    const long = `${"é".repeat(200)}.pdf`;
    const [first, second] = archiveNames([long, long]);
    for (const name of [first!, second!]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(first).toBe(`${"é".repeat(125)}.pdf`);
    expect(second).toBe(`${"é".repeat(123)} (2).pdf`);
    // A name of one emoji after another is cut between them, never inside one.
    const [emoji] = archiveNames(["😀".repeat(100)]);
    expect(emoji).toBe("😀".repeat(63));
  });
});
