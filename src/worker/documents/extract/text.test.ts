import { describe, expect, it } from "vitest";

import { ExtractionFailed } from "./errors";
import { extractPlainText } from "./text";

const utf16 = (text: string, endian: "le" | "be") => {
  const le = Buffer.from(`\ufeff${text}`, "utf16le");
  return endian === "le" ? le : Buffer.from(le).swap16();
};

describe("extractPlainText", () => {
  it("reads UTF-8 and drops its byte-order mark", () => {
    expect(extractPlainText(Buffer.from("\ufeffcafé ☕", "utf8")).units).toEqual([{ text: "café ☕" }]);
  });

  it("reads UTF-16 LE and BE with their byte-order marks", () => {
    expect(extractPlainText(utf16("Grüße 😀", "le")).units).toEqual([{ text: "Grüße 😀" }]);
    expect(extractPlainText(utf16("Grüße 😀", "be")).units).toEqual([{ text: "Grüße 😀" }]);
  });

  it("refuses bytes that are not UTF-8, rather than guessing another encoding", () => {
    const latin1 = Buffer.from("caf\xe9 cr\xe8me", "latin1");
    expect(() => extractPlainText(latin1)).toThrow(ExtractionFailed);
    try {
      extractPlainText(latin1);
    } catch (error) {
      expect(error).toMatchObject({ code: "invalid_encoding", reason: expect.stringContaining("save it as UTF-8") });
    }
  });
});
