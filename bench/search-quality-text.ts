/**
 * What the search-quality bench asks of a document, taken from the text
 * another toolchain (poppler's pdftotext) reads out of it: its distinct
 * words, and lines with the page each is on. Pure functions of that text, so
 * two runs ask the same questions.
 */

/** A word pdftotext split at a line end (`appro-` / `priate`): counted once, as the joined form. */
export interface JoinedWord {
  joined: string;
  pieces: [string, string];
}

export interface DocumentWords {
  /** Distinct words: runs of letters, at least MIN_WORD_LETTERS, lower-cased; split words joined. */
  words: string[];
  /** The words of `words` that were split at a line end somewhere, with their pieces. */
  joined: Map<string, JoinedWord>;
}

export const MIN_WORD_LETTERS = 3;

// A hyphen (or soft hyphen, or U+2010) ending a line after letters, and
// letters starting the next one (which may open a page: \f).
const LINE_END_SPLIT = /(\p{L}+)[-\u00AD\u2010][ \t]*\n\f?[ \t]*(\p{L}+)/gu;
// Combining marks belong to their letter: pdftotext writes some accents decomposed (Juha\u0301sz).
const LETTER_RUN = /\p{L}[\p{L}\p{M}]*/gu;

export function documentWords(text: string): DocumentWords {
  const joined = new Map<string, JoinedWord>();
  // Joined in the text itself, so the pieces of a split are not counted as words of their own there.
  const rejoined = text.normalize("NFC").replace(LINE_END_SPLIT, (_match, head: string, tail: string) => {
    const word = (head + tail).toLowerCase();
    if (word.length >= MIN_WORD_LETTERS)
      joined.set(word, { joined: word, pieces: [head.toLowerCase(), tail.toLowerCase()] });
    return `${head}${tail}\n`;
  });
  const words = new Set<string>();
  for (const [run] of rejoined.matchAll(LETTER_RUN)) if (run.length >= MIN_WORD_LETTERS) words.add(run.toLowerCase());
  return { words: [...words].sort(), joined };
}

export interface PageLine {
  /** 1-based, as pdftotext's form feeds count them. */
  page: number;
  text: string;
}

export const MIN_LINE_WORDS = 6;
/** A token that is a word, not a formula's symbol: "(x)" and "x−(N" are not, "Mn0" and "don't" are. */
const WORD_TOKEN = /\p{L}{2}/u;
/** The middle share of the pages lines are drawn from: past the front matter, before the index. */
const MIDDLE = { from: 0.2, to: 0.8 };

/**
 * `count` lines of at least MIN_LINE_WORDS words (WORD_TOKEN) from the middle 60 % of the
 * pages, evenly spaced over all such lines in reading order, with their page.
 * A line found on more than one page, or `elsewhere`, is left out: no page would be the right one.
 */
export function middleLines(
  text: string,
  count: number,
  elsewhere: (line: string) => boolean = () => false,
): PageLine[] {
  const pages = text.split("\f");
  if (pages.length > 1 && pages.at(-1)!.trim() === "") pages.pop();
  const first = Math.floor(pages.length * MIDDLE.from);
  const end = Math.max(first + 1, Math.ceil(pages.length * MIDDLE.to));
  const all: PageLine[] = pages.flatMap((page, index) =>
    page.split("\n").map((line) => ({ page: index + 1, text: line.replace(/\s+/gu, " ").trim() })),
  );
  const pagesOf = new Map<string, Set<number>>();
  for (const line of all) pagesOf.set(line.text, (pagesOf.get(line.text) ?? new Set()).add(line.page));
  const candidates = all.filter(
    (line) =>
      line.page > first &&
      line.page <= end &&
      pagesOf.get(line.text)!.size === 1 &&
      line.text.split(" ").filter((token) => WORD_TOKEN.test(token)).length >= MIN_LINE_WORDS &&
      !elsewhere(line.text),
  );
  const n = Math.min(count, candidates.length);
  return Array.from({ length: n }, (_, i) => candidates[Math.floor(((i + 0.5) * candidates.length) / n)]!);
}

/** `text` cut at the last word boundary that keeps it within `max` characters (hard-cut when one word is longer). */
export function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1).lastIndexOf(" ");
  return (cut > 0 ? text.slice(0, cut) : text.slice(0, max)).trimEnd();
}

/** The line as one quoted phrase, within `max` characters quotes included (the line's own quotes removed). */
export function quoted(text: string, max: number): string {
  return `"${cutToLength(text.replace(/"/gu, " ").replace(/\s+/gu, " ").trim(), max - 2)}"`;
}
