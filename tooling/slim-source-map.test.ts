import { decode, encode } from "@jridgewell/sourcemap-codec";
import { describe, expect, it } from "vitest";

import { slimSourceMap } from "./slim-source-map";

describe("slimSourceMap", () => {
  // Line 0: our code (source 0, name 0), then a dependency's (source 1, name 1).
  // Line 1: pdf.js through its own map (source 2), then ours again (source 0, name 2), then unmapped code.
  // Line 2: the dependency again.
  const map = {
    version: 3,
    sources: ["../src/worker/main.ts", "../node_modules/pino/pino.js", "webpack://pdf.js/src/core.js"],
    sourcesContent: ["ours", "pino's", "pdf.js's"],
    names: ["main", "pino", "start"],
    mappings: encode([
      [
        [0, 0, 3, 4, 0],
        [10, 1, 7, 0, 1],
      ],
      [[0, 2, 1, 1], [5, 0, 9, 2, 2], [8]],
      [[0, 1, 9, 0]],
    ]),
  };
  const slim = JSON.parse(slimSourceMap(JSON.stringify(map))) as typeof map;

  it("keeps only our sources, with their text", () => {
    expect(slim.sources).toEqual(["../src/worker/main.ts"]);
    expect(slim.sourcesContent).toEqual(["ours"]);
  });

  it("keeps our mappings at their places, with the names they use renumbered", () => {
    expect(slim.names).toEqual(["main", "start"]);
    expect(decode(slim.mappings).map((line) => line.filter((segment) => segment.length > 1))).toEqual([
      [[0, 0, 3, 4, 0]],
      [[5, 0, 9, 2, 1]],
      [],
    ]);
  });

  it("ends each run of our mappings where other code starts, so no frame there is named after our file", () => {
    expect(decode(slim.mappings)).toEqual([[[0, 0, 3, 4, 0], [10]], [[5, 0, 9, 2, 1], [8]], []]);
  });
});
