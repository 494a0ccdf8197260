import { describe, expect, it } from "vitest";

import { failureAdvice, formatBytes, ocrHitLabel, ocrLabel, readingPage, readyNotice, structureLabel } from "./format";

describe("formatBytes", () => {
  it("uses decimal units with three significant digits, moving up rather than printing 1,000", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1_234)).toBe("1.23 KB");
    expect(formatBytes(999_999)).toBe("1 MB");
    expect(formatBytes(25_000_000)).toBe("25 MB");
    expect(formatBytes(1_500_000_000)).toBe("1.5 GB");
  });
});

describe("failureAdvice", () => {
  it("asks for a readable copy when the file itself failed, and says nothing where Retry is offered", () => {
    expect(failureAdvice({ status: "failed", retryable: true })).toBeNull();
    expect(failureAdvice({ status: "failed", retryable: false })).toBe(
      "Retrying would read the same file: delete it and upload a readable copy.",
    );
    expect(failureAdvice({ status: "ready", retryable: false })).toBeNull();
  });
});

describe("structureLabel", () => {
  it("says what is known of pages and sections, nothing before extraction", () => {
    expect(structureLabel({ pages: 1, sections: 3 })).toBe("1 page · 3 sections");
    expect(structureLabel({ pages: null, sections: 1 })).toBe("1 section");
    expect(structureLabel({ pages: null, sections: null })).toBeNull();
  });
});

describe("readingPage", () => {
  it("says which page is being read, of how many, and whether by OCR, only while extracting", () => {
    expect(readingPage({ status: "extracting", reading: { page: 12, pages: 40, ocr: true } })).toBe(
      "page 12 of 40 (OCR)",
    );
    expect(readingPage({ status: "extracting", reading: { page: 3, pages: 1200, ocr: false } })).toBe(
      "page 3 of 1,200",
    );
    expect(readingPage({ status: "extracting", reading: null })).toBeNull();
    // A reading left over from extraction is not what indexing is doing.
    expect(readingPage({ status: "indexing", reading: { page: 40, pages: 40, ocr: true } })).toBeNull();
  });
});

describe("ocrLabel", () => {
  it("marks text read by OCR with its mean confidence, rounded", () => {
    expect(ocrLabel({ ocr: { pages: 1, confidence: 90.6 }, pages: null, chunkCount: 2 })).toBe(
      "Read by OCR · 91% confidence",
    );
    expect(ocrLabel({ ocr: { pages: 40, confidence: 88 }, pages: 40, chunkCount: 90 })).toBe(
      "Read by OCR · 88% confidence",
    );
    expect(ocrLabel({ ocr: null, pages: 40, chunkCount: 90 })).toBeNull();
  });

  it("says how many pages where not all were, or where an image had several", () => {
    expect(ocrLabel({ ocr: { pages: 12, confidence: 91 }, pages: 40, chunkCount: 90 })).toBe(
      "12 of 40 pages read by OCR · 91% confidence",
    );
    expect(ocrLabel({ ocr: { pages: 3, confidence: 77.2 }, pages: null, chunkCount: 5 })).toBe(
      "Read by OCR · 3 pages · 77% confidence",
    );
  });

  it("gives no confidence when no word was found", () => {
    expect(ocrLabel({ ocr: { pages: 1, confidence: 0 }, pages: null, chunkCount: 0 })).toBe("Read by OCR");
  });
});

describe("ocrHitLabel", () => {
  it("is the page's confidence in whole percent, within 0–100", () => {
    expect(ocrHitLabel(91.4)).toBe("OCR · 91%");
    expect(ocrHitLabel(100.2)).toBe("OCR · 100%");
    expect(ocrHitLabel(-1)).toBe("OCR · 0%");
  });
});

describe("readyNotice", () => {
  it("passes on the worker's notice for a ready document", () => {
    expect(readyNotice({ status: "ready", notice: "No text was found in the image.", chunkCount: 0 })).toBe(
      "No text was found in the image.",
    );
    expect(readyNotice({ status: "ready", notice: "Pages 3 and 9 could not be read.", chunkCount: 12 })).toBe(
      "Pages 3 and 9 could not be read.",
    );
  });

  it("explains a ready document with nothing to search even without a notice, and says nothing otherwise", () => {
    expect(readyNotice({ status: "ready", notice: null, chunkCount: 0 })).toBe(
      "No text was found in it, so search will not find it.",
    );
    expect(readyNotice({ status: "ready", notice: null, chunkCount: 4 })).toBeNull();
    expect(readyNotice({ status: "indexing", notice: null, chunkCount: 0 })).toBeNull();
  });
});
