import { describe, expect, it } from "vitest";

import { MATCH_END, MATCH_START, toSegments } from "./search";

describe("toSegments", () => {
  it("splits a headline into plain and matched text", () => {
    expect(toSegments(`the ${MATCH_START}quick${MATCH_END} brown ${MATCH_START}fox${MATCH_END}`)).toEqual([
      { text: "the ", match: false },
      { text: "quick", match: true },
      { text: " brown ", match: false },
      { text: "fox", match: true },
    ]);
  });

  it("keeps markup as text: a segment is never HTML", () => {
    const segments = toSegments(`<img src=x onerror=alert(1)> ${MATCH_START}<b>x</b>${MATCH_END}`);
    expect(segments).toEqual([
      { text: "<img src=x onerror=alert(1)> ", match: false },
      { text: "<b>x</b>", match: true },
    ]);
  });

  it("joins adjacent matches and drops empty pieces", () => {
    expect(toSegments(`${MATCH_START}a${MATCH_END}${MATCH_START}b${MATCH_END}`)).toEqual([{ text: "ab", match: true }]);
    expect(toSegments("")).toEqual([]);
  });
});
