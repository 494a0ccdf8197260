import { describe, expect, it } from "vitest";

import { analyzeText } from "~/worker/text-stats";

const termsOf = (text: string, limit?: number) => analyzeText(text, limit).topTerms;

describe("analyzeText", () => {
  it("gives empty text all zeros and no lines", () => {
    expect(analyzeText("")).toEqual({
      characters: 0,
      nonWhitespaceCharacters: 0,
      words: 0,
      uniqueWords: 0,
      lines: 0,
      sentences: 0,
      topTerms: [],
    });
  });

  it('counts "Hello world"', () => {
    expect(analyzeText("Hello world")).toMatchObject({
      characters: 11,
      nonWhitespaceCharacters: 10,
      words: 2,
      lines: 1,
      sentences: 1,
    });
  });

  it("counts whitespace-only text as characters and lines, not words", () => {
    expect(analyzeText("   \n  ")).toMatchObject({
      characters: 6,
      nonWhitespaceCharacters: 0,
      words: 0,
      lines: 2,
      sentences: 0,
    });
  });

  it.each([
    ["LF", "a\nb\nc", 3],
    ["CRLF (one break, not two)", "a\r\nb\r\nc", 3],
    ["lone CR", "a\rb", 2],
    // An editor shows the empty line after a final newline.
    ["a trailing newline", "a\nb\n", 3],
    ["only a newline", "\n", 2],
  ])("counts lines with %s", (_name, text, lines) => {
    expect(analyzeText(text).lines).toBe(lines);
  });

  it.each([
    ["e + combining acute", "e\u0301", 1],
    ["thumbs up with a skin tone", "👍🏽", 1],
    ["a flag", "🇯🇵", 1],
    ["a family emoji", "👨‍👩‍👧", 1],
    ["CRLF", "\r\n", 1],
  ])("counts %s as one character", (_name, text, characters) => {
    expect(analyzeText(text).characters).toBe(characters);
  });

  it("counts words in Japanese text without spaces", () => {
    expect(analyzeText("私は猫が好きです。").words).toBeGreaterThan(1);
  });

  it("leaves stop words out of the top terms but counts them as words", () => {
    expect(analyzeText("The THE the")).toMatchObject({ words: 3, uniqueWords: 1, topTerms: [] });
    expect(termsOf("the cat and the hat")).toEqual([
      { term: "cat", count: 1 },
      { term: "hat", count: 1 },
    ]);
  });

  it("folds case", () => {
    expect(termsOf("Apple apple")).toEqual([{ term: "apple", count: 2 }]);
  });

  it("orders ties alphabetically, accents included", () => {
    expect(termsOf("zebra éclair").map((t) => t.term)).toEqual(["éclair", "zebra"]);
  });

  it("orders by count, then ties alphabetically", () => {
    expect(termsOf("pear banana apple banana pear apple cherry kiwi kiwi kiwi")).toEqual([
      { term: "kiwi", count: 3 },
      { term: "apple", count: 2 },
      { term: "banana", count: 2 },
      { term: "pear", count: 2 },
      { term: "cherry", count: 1 },
    ]);
  });

  it("returns at most the requested number of top terms", () => {
    const text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
    expect(termsOf(text, 3).map(({ term }) => term)).toEqual(["alpha", "beta", "delta"]);
    expect(termsOf(text)).toHaveLength(10);
  });

  it("leaves numbers out of the top terms", () => {
    expect(analyzeText("42 apples 42 2024")).toMatchObject({ words: 4, topTerms: [{ term: "apples", count: 1 }] });
  });

  it("leaves decimal and grouped numbers out of the top terms", () => {
    expect(termsOf("3.14 3.14 1,000 1,000 pi")).toEqual([{ term: "pi", count: 1 }]);
  });

  it.each([
    ["One. Two! Three?", 3],
    ["No terminator at the end", 1],
    ["...", 0],
  ])("counts the sentences of %j", (text, sentences) => {
    expect(analyzeText(text).sentences).toBe(sentences);
  });
});
