import type { ExtractedUnit } from "./types";

/** What readerText changed, for measuring it on real documents. */
export interface ReaderTextCounts {
  /** Spacing diacritics composed with their letter. */
  accentsComposed: number;
  /** Words split at a line end, joined without the hyphen. */
  hyphenationsJoined: number;
  /** Words split at a line end, joined keeping the hyphen (compounds). */
  hyphenationsKept: number;
}

/**
 * A document's cleaned units as a reader sees the text: what pdf.js gives for
 * a TeX PDF (`M¨oller`, `appro-\npriate`) made into the words on the page
 * (`Möller`, `appropriate`), so that search finds them and snippets show
 * them. Takes the whole document because whether a line-end hyphen belongs to
 * the word is decided by the words elsewhere in the document. Pure: the same
 * units give the same text, so a retried ingestion stores the same chunks.
 */
export function readerText(units: readonly ExtractedUnit[], counts?: ReaderTextCounts): ExtractedUnit[] {
  const tally = counts ?? { accentsComposed: 0, hyphenationsJoined: 0, hyphenationsKept: 0 };
  const composed = units.map((unit) => ({
    ...unit,
    ...(unit.section === undefined ? {} : { section: composeText(unit.section, { ...tally }) }),
    text: composeText(unit.text, tally),
  }));
  const vocabulary = documentVocabulary(composed.map((unit) => unit.text));
  // Within a unit only, not across units: in the PDFs measured a page starts
  // with its running header ("gnuplot 5.4 239"), so a word split over two
  // pages is not two adjacent pieces, and joining would move text from one
  // page (unit) to the other.
  return composed.map((unit) => ({ ...unit, text: joinLineEndHyphens(unit.text, vocabulary, tally) }));
}

// ── Ligatures and spacing accents ─────────────────────────────────────────

// Only these take NFKC: on the whole text it would also turn ², ½ or ™ into other text.
const LIGATURES = /[\ufb00-\ufb06]/g;

// TeX puts an accent on a dotless ı (\'{\i}); pdftotext gives it as ı and a
// combining mark, which NFC does not compose: the mark goes on an i (Mikulík).
const DOTLESS_I_ACCENTED = /\u0131(?=[\u0300-\u036f])/g;

/** Ligatures split, spacing accents composed, then NFC. */
function composeText(text: string, counts: ReaderTextCounts): string {
  return composeAccents(
    text.replace(LIGATURES, (ligature) => ligature.normalize("NFKC")),
    counts,
  )
    .replace(DOTLESS_I_ACCENTED, "i")
    .normalize("NFC");
}

// The spacing form pdf.js gives for each TeX accent, and the combining mark it stands for.
const COMBINING: Record<string, string> = {
  "\u00a8": "\u0308", // ¨ diaeresis
  "\u00b4": "\u0301", // ´ acute
  "\u0060": "\u0300", // ` grave
  "\u02c6": "\u0302", // ˆ circumflex
  "\u005e": "\u0302", // ^ circumflex
  "\u02dc": "\u0303", // ˜ tilde
  "\u007e": "\u0303", // ~ tilde
  "\u00b8": "\u0327", // ¸ cedilla
  "\u02d8": "\u0306", // ˘ breve
  "\u02c7": "\u030c", // ˇ caron
  "\u02da": "\u030a", // ˚ ring
  "\u00af": "\u0304", // ¯ macron
  "\u02d9": "\u0307", // ˙ dot above
  "\u02dd": "\u030b", // ˝ double acute
  "\u02db": "\u0328", // ˛ ogonek
};
const DIACRITIC = new RegExp(
  `[${Object.keys(COMBINING)
    .join("")
    .replace(/[\^\\\]-]/g, "\\$&")}]`,
);
// Characters code and prose use on their own (`cmd`, a^b, ~/x): an accent only inside a word.
const ASCII = new Set(["`", "^", "~"]);
// The modifier letters pdf.js gives for TeX's \^ and \~; gnuplot's manual also
// prints its `~` operator so ("’˜ a/’", "˜ /.gnuplot"), always beside a space.
const MODIFIER = new Set(["\u02c6", "\u02dc"]);
// Marks below the letter. Plain TeX's \c sets an x-height letter with \accent,
// the mark first (`Fran¸cais`), and a taller one overlaid, the letter first
// (`S¸tefan`): when both neighbours could take it, the heights decide.
const BELOW = new Set(["\u00b8", "\u02db"]);
const X_HEIGHT = /[acegmnopqrsuvwxyz]/;
const afterItsLetter = (before: string, next: string | undefined) =>
  !X_HEIGHT.test(before) && !(next !== undefined && X_HEIGHT.test(next));
const DOTLESS: Record<string, string> = { "\u0131": "i", "\u0237": "j" };

const LETTER = /[\p{L}]/u;
const isLetter = (char: string | undefined): char is string => char !== undefined && LETTER.test(char);

/**
 * `letter + mark` as one precomposed letter, or undefined when NFC has none
 * (b̂ stays two characters, so `a^b` is left alone). TeX draws î on a dotless
 * ı, which takes no mark in NFC: the dot is dropped for the accented i.
 */
function precomposed(letter: string, mark: string): string | undefined {
  const base = BELOW.has(mark) ? letter : (DOTLESS[letter] ?? letter);
  const result = (base + COMBINING[mark]!).normalize("NFC");
  return Array.from(result).length === 1 && isLetter(result) ? result : undefined;
}

/**
 * Each spacing diacritic placed as TeX places it (before its letter: `M¨oller`,
 * `J´erˆome`; `M¨ oller` when pdf.js saw a gap) becomes the letter with the
 * mark. The characters that are also code (` ^ ~) compose only inside a word
 * with a letter after the accented one (`r^ole`, not `x^e mod n`), ˆ and ˜
 * only directly between letters.
 */
function composeAccents(text: string, counts: ReaderTextCounts): string {
  if (!DIACRITIC.test(text)) return text;
  const chars = Array.from(text);
  // One character per entry, so the letter before is at hand: a string re-read from its start would make a long text quadratic.
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const mark = COMBINING[char] === undefined ? undefined : char;
    if (mark === undefined) {
      out.push(char);
      continue;
    }
    // The letter before is the one written last, composed already if a mark came before it.
    const before = out.at(-1);
    const next = chars[i + 1];
    let composed: string | undefined;
    let consumed = 1;
    if (ASCII.has(mark)) {
      if (isLetter(before) && isLetter(next) && isLetter(chars[i + 2])) composed = precomposed(next, mark);
    } else if (MODIFIER.has(mark)) {
      if (isLetter(before) && isLetter(next)) composed = precomposed(next, mark);
    } else if (isLetter(next)) {
      composed = precomposed(next, mark);
    } else if (next === " " && isLetter(before) && isLetter(chars[i + 2])) {
      composed = precomposed(chars[i + 2]!, mark);
      consumed = 2;
    }
    if (BELOW.has(mark) && isLetter(before) && (composed === undefined || afterItsLetter(before, next))) {
      const after = precomposed(before, mark);
      if (after !== undefined) {
        // The letter is already written: replace it.
        out[out.length - 1] = after;
        counts.accentsComposed++;
        continue;
      }
    }
    if (composed === undefined) {
      out.push(char);
      continue;
    }
    out.push(composed);
    i += consumed;
    counts.accentsComposed++;
  }
  return out.join("");
}

// ── Line-end hyphenation ──────────────────────────────────────────────────

const WORD = /\p{L}[\p{L}\p{M}]*/gu;
// A word's last letters, a hyphen at the line end, and the next line's first
// letters. Letters only on both sides: `2^31-\n1` or `salsa20-\n` are not
// words split.
const SPLIT = /(?<![\p{L}\p{M}\p{N}_])(\p{L}[\p{L}\p{M}]*)([-\u2010])\n(\p{L}[\p{L}\p{M}]*)(?![\p{L}\p{M}\p{N}_])/gu;
// A capital after the break starts a name or a range's end (`Fc-\nConfigParse`,
// `February-\nMarch`): the hyphen is the producer's, not the line breaker's.
const CAPITAL = /^\p{Lu}/u;
// Two words joined by a hyphen on one line; the lookahead lets `state-of-the-art` give each pair.
// Starting only where a word starts: tried inside a long run of letters, the
// greedy run would be re-read from every position (a 1 MB "word" took minutes).
const COMPOUND = /(?<![\p{L}\p{M}])(\p{L}[\p{L}\p{M}]*)[-\u2010](?=(\p{L}[\p{L}\p{M}]*))/gu;

interface Vocabulary {
  words: Set<string>;
  compounds: Set<string>;
}

/** The document's words and hyphenated pairs, lower-case, not counting the pieces of line-end splits. */
function documentVocabulary(texts: string[]): Vocabulary {
  const words = new Set<string>();
  const compounds = new Set<string>();
  for (const text of texts) {
    const unsplit = text.replace(SPLIT, " ");
    for (const [word] of unsplit.matchAll(WORD)) words.add(word.toLowerCase());
    for (const [, left, right] of unsplit.matchAll(COMPOUND)) compounds.add(`${left}-${right}`.toLowerCase());
  }
  return { words, compounds };
}

/**
 * `appro-\npriate` → `appropriate`: the word joined without the hyphen when
 * the document has it so elsewhere; `well-\nknown` → `well-known` when the
 * document has it hyphenated elsewhere, or when both pieces are words of it
 * (a compound broken at its hyphen), or when the second piece starts with a
 * capital (`February-\nMarch`, `Fc-\nConfigParse`: search indexes the pieces
 * and the pair anyway); otherwise joined without the hyphen, as a fragment
 * like `priate` is no word.
 */
function joinLineEndHyphens(text: string, vocabulary: Vocabulary, counts: ReaderTextCounts): string {
  return text.replace(SPLIT, (_, left: string, hyphen: string, right: string) => {
    const joined = `${left}${right}`.toLowerCase();
    const keep =
      !vocabulary.words.has(joined) &&
      (CAPITAL.test(right) ||
        vocabulary.compounds.has(`${left}-${right}`.toLowerCase()) ||
        (vocabulary.words.has(left.toLowerCase()) && vocabulary.words.has(right.toLowerCase())));
    if (keep) {
      counts.hyphenationsKept++;
      return `${left}${hyphen}${right}`;
    }
    counts.hyphenationsJoined++;
    return `${left}${right}`;
  });
}
