import { describe, expect, it } from "vitest";

import { failureAdvice, formatBytes, structureLabel } from "./format";

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
