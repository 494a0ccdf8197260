/**
 * Statistics of a submitted document: the worker's first procedure that does
 * real work. Counting is Unicode-aware: characters are grapheme clusters
 * (what a reader counts: "é" or "👍🏽" is one), words come from Intl.Segmenter,
 * so text without spaces between words (Japanese, Thai…) is counted too.
 */

export interface TermCount {
  term: string;
  count: number;
}

export interface TextStats {
  characters: number;
  /** Characters other than whitespace. */
  nonWhitespaceCharacters: number;
  words: number;
  uniqueWords: number;
  /** Lines as an editor shows them; empty text has none. */
  lines: number;
  /** Unicode sentence boundaries: a line break also ends a sentence. */
  sentences: number;
  /** Most frequent words, stop words and numbers left out, ties in alphabetical order. */
  topTerms: TermCount[];
}

// The commonest English function words: counting them would put "the" at
// the top of every document.
const STOP_WORDS = new Set(
  (
    "a about after all also an and any are as at be because been but by can could did do does for from had has have he " +
    "her him his how i if in into is it its just me more most my no not of on one only or other our out she so some than " +
    "that the their them then there these they this those to up us was we were what when which who will with would you your"
  ).split(" "),
);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const words = new Intl.Segmenter(undefined, { granularity: "word" });
const sentences = new Intl.Segmenter(undefined, { granularity: "sentence" });
const collator = new Intl.Collator(undefined, { sensitivity: "base" });

export function analyzeText(text: string, topTermCount = 10): TextStats {
  let characters = 0;
  let whitespace = 0;
  for (const { segment } of graphemes.segment(text)) {
    characters++;
    if (/^\s+$/u.test(segment)) whitespace++;
  }

  const frequency = new Map<string, number>();
  let wordCount = 0;
  for (const { segment, isWordLike } of words.segment(text)) {
    if (!isWordLike) continue;
    wordCount++;
    const term = segment.toLocaleLowerCase();
    frequency.set(term, (frequency.get(term) ?? 0) + 1);
  }

  let sentenceCount = 0;
  for (const { segment } of sentences.segment(text)) {
    if (/[\p{L}\p{N}]/u.test(segment)) sentenceCount++;
  }

  const topTerms = [...frequency]
    // Terms are words: "3.14" or "1,000" are kept whole by the segmenter but are not terms.
    .filter(([term]) => !STOP_WORDS.has(term) && /\p{L}/u.test(term))
    .sort(([a, countA], [b, countB]) => countB - countA || collator.compare(a, b))
    .slice(0, topTermCount)
    .map(([term, count]) => ({ term, count }));

  return {
    characters,
    nonWhitespaceCharacters: characters - whitespace,
    words: wordCount,
    uniqueWords: frequency.size,
    lines: text === "" ? 0 : text.split(/\r\n|\r|\n/).length,
    sentences: sentenceCount,
    topTerms,
  };
}
