import { describe, expect, it } from "vitest";

import { countOf } from "./count";

describe("countOf", () => {
  it("says one thing in the singular and any other count in the plural", () => {
    expect(countOf(1, "chunk")).toBe("1 chunk");
    expect(countOf(0, "chunk")).toBe("0 chunks");
    expect(countOf(2, "page")).toBe("2 pages");
  });

  it("takes an irregular plural and groups thousands", () => {
    expect(countOf(1, "match", "matches")).toBe("1 match");
    expect(countOf(3, "match", "matches")).toBe("3 matches");
    expect(countOf(1_204, "section")).toBe("1,204 sections");
  });
});
