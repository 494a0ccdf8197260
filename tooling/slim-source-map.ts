/**
 * A bundle's source map cut down to our own code. esbuild maps every
 * dependency it inlined too (pdf.js alone is most of a 15 MB map), and Node
 * decodes a file's whole map the first time it maps a stack frame in that
 * file — which pino's logger makes happen at every start. Frames in a
 * dependency then show the bundle's file and line, as they would without
 * maps; frames in src/ keep their file, line and source text.
 */
import { decode, encode, type SourceMapMappings, type SourceMapSegment } from "@jridgewell/sourcemap-codec";

interface SourceMapJson {
  version: 3;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/**
 * Whether a source is a dependency's: under node_modules, or named by a URL
 * (a dependency's own map that esbuild carried over: pdf.js's webpack://…).
 * Ours are paths relative to the map.
 */
export const isDependency = (source: string) =>
  /(^|\/)node_modules\//.test(source) || /^[a-z][a-z0-9+.-]*:/i.test(source);

/** The map `json` with only the mappings, sources and names of files outside node_modules. */
export function slimSourceMap(json: string): string {
  const map = JSON.parse(json) as SourceMapJson;
  const sources: string[] = [];
  const sourcesContent: (string | null)[] = [];
  const names: string[] = [];
  const sourceIndex = new Map<number, number>();
  const nameIndex = new Map<number, number>();
  map.sources.forEach((source, index) => {
    if (isDependency(source)) return;
    sourceIndex.set(index, sources.length);
    sources.push(source);
    sourcesContent.push(map.sourcesContent?.[index] ?? null);
  });
  // Node maps a frame to the nearest mapping at or before it, across lines
  // too: where a dependency's code follows ours, an unmapped segment (the
  // column alone) ends our last mapping, or pdf.js frames would be named
  // after the file before them.
  let afterOurs = false;
  const lines: SourceMapMappings = decode(map.mappings).map((line) =>
    line.flatMap((segment): SourceMapSegment[] => {
      const source = segment.length === 1 ? undefined : sourceIndex.get(segment[1]);
      if (segment.length === 1 || source === undefined) {
        const end: SourceMapSegment[] = afterOurs ? [[segment[0]]] : [];
        afterOurs = false;
        return end;
      }
      afterOurs = true;
      if (segment.length === 4) return [[segment[0], source, segment[2], segment[3]]];
      let name = nameIndex.get(segment[4]);
      if (name === undefined) {
        name = names.length;
        nameIndex.set(segment[4], name);
        names.push(map.names[segment[4]]!);
      }
      return [[segment[0], source, segment[2], segment[3], name]];
    }),
  );
  return JSON.stringify({ ...map, sources, sourcesContent, names, mappings: encode(lines) });
}
