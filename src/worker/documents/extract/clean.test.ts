import { describe, expect, it } from "vitest";

import { cleanText, cleanTitle } from "./clean";

describe("cleanText", () => {
  it("removes NUL, which PostgreSQL refuses in text", () => {
    expect(cleanText("in\u0000voice\u0000")).toBe("invoice");
  });

  it("removes the private-use characters the search marks highlights with", () => {
    expect(cleanText("\ue000fake\ue001 highlight")).toBe("fake highlight");
  });

  it("normalises line ends and spaces, and keeps paragraphs apart", () => {
    expect(cleanText("  one\r\ntwo\rthree\t\u00a0 four  \n\n\n\n five\u200b\f ")).toBe("one\ntwo\nthree four\n\nfive");
  });

  it("removes soft hyphens and zero-width characters, joining a word split at a soft hyphen, and keeps ZWJ and ZWNJ", () => {
    expect(cleanText("hy\u00adphen\u200b word\u2060joiner\ufeff appro\u00ad\npriate \u00ad\n\nnext")).toBe(
      "hyphen wordjoiner appropriate\n\nnext",
    );
    expect(cleanText("👩\u200d💻 \u0645\u200c\u06cc")).toBe("👩\u200d💻 \u0645\u200c\u06cc");
  });

  it("replaces lone surrogates, which are not valid UTF-8", () => {
    expect(cleanText("a\ud800b")).toBe("a\ufffdb");
  });

  it("puts a title on one line", () => {
    expect(cleanTitle(" Annual\n report ")).toBe("Annual report");
  });
});
