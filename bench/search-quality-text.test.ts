import { describe, expect, test } from "vitest";

import { cutToLength, documentWords, middleLines, quoted } from "./search-quality-text";

describe("documentWords", () => {
  test("distinct runs of letters of 3 or more, lower-cased", () => {
    expect(documentWords("The SHA256 hash, the hash: an x-y déjà vu.").words).toEqual(["déjà", "hash", "sha", "the"]);
  });

  test("a word split at a line-end hyphen counts once, joined, with its pieces", () => {
    const { words, joined } = documentWords("an appro-\npriate choice\fof non-\n\fblocking calls");
    expect(words).toEqual(["appropriate", "calls", "choice", "nonblocking"]);
    expect(joined.get("appropriate")?.pieces).toEqual(["appro", "priate"]);
    expect(joined.get("nonblocking")?.pieces).toEqual(["non", "blocking"]);
  });

  test("a hyphen inside a line joins nothing", () => {
    const { words, joined } = documentWords("read-only mode");
    expect(words).toEqual(["mode", "only", "read"]);
    expect(joined.size).toBe(0);
  });
});

describe("middleLines", () => {
  const page = (n: number) =>
    [`Page ${n} header`, `line one of page ${n} has enough words here`, `x = (a) + (b) · c(d) − e`].join("\n");
  const text = Array.from({ length: 10 }, (_, index) => page(index + 1)).join("\f") + "\f";

  test("lines of 6 words or more from the middle 60 % of the pages, with their page", () => {
    const lines = middleLines(text, 3);
    expect(lines.map((line) => line.page)).toEqual([4, 6, 8]);
    expect(lines[0]).toEqual({ page: 4, text: "line one of page 4 has enough words here" });
  });

  test("fewer lines than asked when the middle has fewer; none twice", () => {
    expect(middleLines(text, 20).map((line) => line.page)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test("a line that is on several pages is left out", () => {
    const repeated = Array.from({ length: 5 }, () => "the same running footer line of six words").join("\f");
    expect(middleLines(repeated, 5)).toEqual([]);
  });
});

describe("queries within the limit", () => {
  test("cut at a word boundary", () => {
    expect(cutToLength("alpha beta gamma", 12)).toBe("alpha beta");
    expect(cutToLength("alpha beta", 10)).toBe("alpha beta");
    expect(cutToLength("alphabetagamma", 5)).toBe("alpha");
  });

  test("quoted: the line's own quotes removed, the quotes counted", () => {
    expect(quoted('say "hi" to all of them', 14)).toBe('"say hi to"');
    expect(quoted("alpha beta", 12)).toBe('"alpha beta"');
  });
});
