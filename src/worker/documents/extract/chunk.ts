import { ExtractionFailed } from "./errors";
import type { ExtractedUnit } from "./types";

/**
 * 1,500 characters: a few paragraphs, enough context for a search hit to make
 * sense, and far below the 2,047-character word PostgreSQL's tsvector drops
 * (a hard-split piece is never longer than this).
 */
export const DEFAULT_MAX_CHUNK_CHARS = 1500;
/** More chunks than this is not a document someone reads; it is refused rather than indexed for minutes. */
export const DEFAULT_MAX_CHUNKS = 50_000;

export interface Chunk {
  ordinal: number;
  page?: number;
  section?: string;
  content: string;
}

export interface ChunkOptions {
  maxChars?: number;
  maxChunks?: number;
}

// Coarsest first: a piece too long at one level is split at the next.
const LEVELS: { split: RegExp; join: string }[] = [
  { split: /\n{2,}/, join: "\n\n" },
  { split: /\n/, join: "\n" },
  { split: /(?<=[.!?。！？…])\s+/u, join: " " },
  { split: /\s+/, join: " " },
];

/**
 * Splits units into chunks of at most `maxChars` characters, at paragraph,
 * then line, sentence and word boundaries, and a word longer than a chunk
 * into pieces. A chunk never spans two units, so it keeps one page or
 * section. No overlap between chunks: each stays a distinct run of the
 * document, so a phrase is counted once in full-text ranking. A pure function
 * of its input: a retried job gets the very same chunks.
 */
export function chunkUnits(units: readonly ExtractedUnit[], options: ChunkOptions = {}): Chunk[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHUNK_CHARS;
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
  if (!Number.isInteger(maxChars) || maxChars < 2) throw new RangeError("maxChars must be an integer of at least 2");

  const chunks: Chunk[] = [];
  for (const unit of units) {
    for (const content of splitText(unit.text.trim(), maxChars, 0)) {
      if (chunks.length >= maxChunks) {
        throw new ExtractionFailed(
          "too_many_chunks",
          `The document is too long: it makes more than ${maxChunks} chunks of text. Split it into smaller files.`,
        );
      }
      chunks.push({
        ordinal: chunks.length,
        ...(unit.page === undefined ? {} : { page: unit.page }),
        ...(unit.section === undefined ? {} : { section: unit.section }),
        content,
      });
    }
  }
  return chunks;
}

function splitText(text: string, maxChars: number, level: number): string[] {
  if (text.length === 0) return [];
  if (text.length <= maxChars) return [text];
  const at = LEVELS[level];
  if (!at) return hardSplit(text, maxChars);

  const pieces: string[] = [];
  let current = "";
  for (const part of text.split(at.split)) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    if (trimmed.length > maxChars) {
      if (current) pieces.push(current);
      current = "";
      pieces.push(...splitText(trimmed, maxChars, level + 1));
    } else if (!current) {
      current = trimmed;
    } else if (current.length + at.join.length + trimmed.length <= maxChars) {
      current += at.join + trimmed;
    } else {
      pieces.push(current);
      current = trimmed;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

// Never between the two halves of a surrogate pair, which would leave
// invalid UTF-16 on both sides of the cut.
function hardSplit(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + maxChars, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
