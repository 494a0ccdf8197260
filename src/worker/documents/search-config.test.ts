import { describe, expect, it } from "vitest";

import { configsInUse, documentSearchConfig, searchConfigsFor } from "./search-config";
import type { OcrOutcome } from "./extract/types";

const ocr = (pages: number): OcrOutcome => ({ pages, confidence: 90, pageImages: [], failedPages: [] });

describe("search configurations", () => {
  it("stems a whole scan as its OCR language where PostgreSQL has one, and anything else as WORKER_SEARCH_CONFIG", () => {
    const german = searchConfigsFor("english_unaccent", ["deu"]);
    expect(german).toEqual({ text: "english_unaccent", scans: "german" });
    expect(configsInUse(german)).toEqual(["english_unaccent", "german"]);
    expect(documentSearchConfig(german, { chunks: [], pages: 3, ocr: ocr(3) })).toBe("german");
    // A text layer on some page: the document's own text, language unknown.
    expect(documentSearchConfig(german, { chunks: [], pages: 3, ocr: ocr(1) })).toBe("english_unaccent");
    expect(documentSearchConfig(german, { chunks: [], sections: 4 })).toBe("english_unaccent");
  });

  it("keeps WORKER_SEARCH_CONFIG for English scans, several languages, and languages PostgreSQL has no stemmer for", () => {
    for (const languages of [["eng"], ["eng", "deu"], ["jpn"]]) {
      const configs = searchConfigsFor("english_unaccent", languages);
      expect(configs.scans, languages.join("+")).toBe("english_unaccent");
      expect(configsInUse(configs)).toEqual(["english_unaccent"]);
    }
    expect(searchConfigsFor("simple", ["eng"]).scans).toBe("english");
  });
});
