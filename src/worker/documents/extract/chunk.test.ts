import { describe, expect, it } from "vitest";

import { chunkUnits, DEFAULT_MAX_CHUNK_CHARS } from "./chunk";
import { ExtractionFailed } from "./errors";

const sentence = (i: number) => `Sentence number ${i} talks about invoices and receipts.`;
const paragraph = (i: number) => Array.from({ length: 8 }, (_, j) => sentence(i * 10 + j)).join(" ");

describe("chunkUnits", () => {
  it("keeps a short unit whole, with its page or section", () => {
    expect(
      chunkUnits([
        { page: 3, text: "Hello" },
        { section: "Intro", text: "World" },
      ]),
    ).toEqual([
      { ordinal: 0, page: 3, content: "Hello" },
      { ordinal: 1, section: "Intro", content: "World" },
    ]);
  });

  it("packs whole paragraphs up to the limit", () => {
    const text = Array.from({ length: 20 }, (_, i) => paragraph(i)).join("\n\n");
    const chunks = chunkUnits([{ text }], { maxChars: 1000 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.content.length).toBeLessThanOrEqual(1000);
      // Every chunk begins and ends on a paragraph boundary: a sentence is never cut.
      expect(chunk.content).toMatch(/^Sentence number \d*0 /);
      expect(chunk.content).toMatch(/receipts\.$/);
    }
    expect(chunks.map((c) => c.content).join("\n\n")).toBe(text);
  });

  it("splits a paragraph longer than the limit between sentences, then words", () => {
    const long = Array.from({ length: 50 }, (_, i) => sentence(i)).join(" ");
    const chunks = chunkUnits([{ text: long }], { maxChars: 200 });
    for (const chunk of chunks) {
      expect(chunk.content.length).toBeLessThanOrEqual(200);
      expect(chunk.content).toMatch(/^Sentence .*\.$/);
    }
    const words = chunkUnits([{ text: "word ".repeat(100) }], { maxChars: 42 });
    for (const chunk of words) expect(chunk.content).toMatch(/^(word ?)+$/);
    expect(words.map((c) => c.content).join(" ")).toBe("word ".repeat(100).trim());
  });

  it("hard-splits a 1 MB word into pieces PostgreSQL's tsvector still indexes", () => {
    const word = "a".repeat(1024 * 1024);
    const chunks = chunkUnits([{ text: word }]);
    expect(chunks.length).toBe(Math.ceil(word.length / DEFAULT_MAX_CHUNK_CHARS));
    for (const chunk of chunks)
      expect(chunk.content.length).toBeLessThanOrEqual(Math.min(DEFAULT_MAX_CHUNK_CHARS, 2000));
    expect(chunks.map((c) => c.content).join("")).toBe(word);
  });

  it("never cuts a surrogate pair in two", () => {
    const emoji = "😀".repeat(10);
    const chunks = chunkUnits([{ text: emoji }], { maxChars: 5 });
    for (const chunk of chunks) expect(chunk.content.isWellFormed()).toBe(true);
    expect(chunks.map((c) => c.content).join("")).toBe(emoji);
  });

  it("gives the same chunks for the same input, numbered across units", () => {
    const units = [
      { page: 1, text: Array.from({ length: 9 }, (_, i) => paragraph(i)).join("\n\n") },
      { page: 2, text: "x".repeat(5000) },
    ];
    const first = chunkUnits(units, { maxChars: 700 });
    expect(chunkUnits(structuredClone(units), { maxChars: 700 })).toEqual(first);
    expect(first.map((c) => c.ordinal)).toEqual(first.map((_, i) => i));
    expect(first.at(-1)?.page).toBe(2);
  });

  it("refuses a document that makes more chunks than the cap", () => {
    const units = [{ text: "a".repeat(101) }];
    expect(chunkUnits(units, { maxChars: 10, maxChunks: 11 })).toHaveLength(11);
    let error: unknown;
    try {
      chunkUnits(units, { maxChars: 10, maxChunks: 10 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExtractionFailed);
    expect((error as ExtractionFailed).code).toBe("too_many_chunks");
  });
});
