/**
 * What PostgreSQL's text-search parser loses, and how the index and the query
 * get it back (docs/decisions/0022):
 *
 * - Markup-like text. The default parser reads `<dir>` or `&amp;` as a tag or
 *   an entity and drops it (and all of `<!-- … -->`), in a PDF about XML files
 *   as in a query. A separator after every `<` and `&` (parsable()) leaves
 *   nothing for it to read as markup, so the words inside are indexed, and
 *   toSegments removes it from snippets again.
 * - Symbols. `C++`, `C#`, `.NET`, `a->b`, `--leak-check=full` parse to their
 *   letters alone (`c`, `net`, ...), so `C++` would find every `c`. Each
 *   whitespace-separated token with a symbol the parser drops is also stored
 *   as written (lower-cased) as a lexeme of its own, beside the parser's; a
 *   query token of the same kind must then match that lexeme exactly.
 *
 * One function cuts both the documents and the queries into such terms, so a
 * term typed is a term indexed.
 */
import { sql, type Expression, type RawBuilder } from "kysely";

/** Longest symbol term kept: a token longer than this is not something typed. */
const MAX_TERM_LENGTH = 64;
/** Terms kept per chunk: a chunk of nothing but symbols is not worth more lexemes than this. */
const MAX_TERMS_PER_CHUNK = 200;

/**
 * Inserted after every `<` and `&`: a control character, which the parser
 * reads as a separator in every locale (in the C locale it reads any
 * non-ASCII character, a zero-width space included, as a letter), and which
 * cleanText removes from every document, so removing it again is exact.
 */
const SEPARATOR = "\u0001";

/** Tokens end at whitespace and at what encloses or separates them in prose. */
const TOKEN = /[^\s()[\]{}"“”«»,;]+/gu;
/** Sentence punctuation after a token is not part of it ("see node.js." / "C++:"); a leading dot is (".NET"). */
const TRAILING = /[.:!?'’]+$/u;
const LEADING = /^['‘’]+/u;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;
/** A word and nothing else, maybe hyphenated, with sentence punctuation after it: the parser has all its letters. */
const PLAIN_WORD = /^[\p{L}\p{M}]+(?:[-'’][\p{L}\p{M}]+)*[.,:;!?'’]*$/u;
const SINGLE_WORD = /^[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*[.,:;!?'’]*$/u;
/** Each two letter runs with one hyphen between them (overlapping: a-b-c gives ab and bc). */
const HYPHENATED_PAIR = /(?<![\p{L}\p{M}])(?=([\p{L}\p{M}]+)-([\p{L}\p{M}]+))/gu;
const LETTERS = /\p{L}[\p{L}\p{M}]+/gu;
/** websearch_to_tsquery's "not": a dash at the start of a word. */
const NEGATED_WORD = /(^|\s)(-[\p{L}\p{N}][^\s"]*)/gu;
/** What the parser reads right already: a word, a hyphenated or apostrophed compound, a plain number. */
const PARSED_WHOLE = /^(?:[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*|\d+(?:[.,]\d+)*)$/u;

/** Whether `token` (already trimmed) is one the parser would reduce to its letters. */
function isSymbolTerm(token: string): boolean {
  return (
    token.length >= 2 && token.length <= MAX_TERM_LENGTH && WORD_CHARACTER.test(token) && !PARSED_WHOLE.test(token)
  );
}

function trimToken(token: string): string {
  return token.replace(TRAILING, "").replace(LEADING, "");
}

/** The distinct symbol terms of a document's text, lower-cased. */
export function symbolTermsOf(text: string): string[] {
  const terms = new Set<string>();
  for (const [raw] of text.matchAll(TOKEN)) {
    const token = trimToken(raw).toLowerCase();
    if (isSymbolTerm(token)) {
      terms.add(token);
      if (terms.size >= MAX_TERMS_PER_CHUNK) break;
    }
  }
  return [...terms];
}

/**
 * Words the parser does not make of a token, as text for to_tsvector:
 * - the letter runs inside tokens that are more than a word: glued to digits
 *   (`bunzip2`), or joined by symbols (`https://www.gnu.org/licenses`,
 *   `/usr/lib`, `nettle_hash`, `ASN.1`), which the parser keeps whole as a
 *   URL, a path, a host or a number-word;
 * - two pieces around a hyphen written as one word (`check-sum` → checksum,
 *   `--alloc-fn` → allocfn, `e-mail` → email), as other typesetting (and
 *   other people) write them.
 */
export function wordPartsOf(text: string): string {
  const parts = new Set<string>();
  for (const [token] of text.matchAll(TOKEN)) {
    if (SINGLE_WORD.test(token)) continue;
    if (!PLAIN_WORD.test(token)) for (const [part] of token.matchAll(LETTERS)) parts.add(part);
    for (const [, head, tail] of token.matchAll(HYPHENATED_PAIR)) parts.add(head! + tail!);
  }
  return [...parts].join(" ");
}

export interface ParsedQuery {
  /** For websearch_to_tsquery: the query as typed, with nothing it would misread. */
  text: string;
  /** Symbol terms every hit must contain as written (lower-cased). */
  symbols: string[];
}

/**
 * Splits a query into what websearch_to_tsquery reads (quotes, OR, -word as
 * typed) and the symbol terms it cannot. A symbol term keeps its place in the
 * text, so a quoted phrase around it still matches, but without leading
 * dashes: `--leak-check=full` is a term, not "not leak-check".
 */
export function parseQuery(query: string): ParsedQuery {
  const symbols = new Set<string>();
  const text = query.replace(TOKEN, (raw) => {
    const token = trimToken(raw);
    // -word is websearch's "not": left to it.
    if (/^-[\p{L}\p{N}]/u.test(token) && PARSED_WHOLE.test(token.slice(1))) return raw;
    if (!isSymbolTerm(token.toLowerCase())) return raw;
    symbols.add(token.toLowerCase());
    return raw.replace(/^-+/u, "");
  });
  return { text: parsable(text), symbols: [...symbols] };
}

/**
 * The query with each -word quoted, so it is searched for as written: a line
 * pasted from a manual ("use the -vvvv option") finds nothing when -vvvv means
 * "not vvvv". Null when the query has no -word outside quotes.
 */
export function negationsAsWritten(query: string): string | null {
  let changed = false;
  // Outside quotes only: split keeps each quoted part at an odd index.
  const parts = query.split(/("[^"]*")/u).map((part, index) =>
    index % 2 === 1
      ? part
      : part.replace(NEGATED_WORD, (_match, before: string, word: string) => {
          changed = true;
          return `${before}"${word}"`;
        }),
  );
  return changed ? parts.join("") : null;
}

/** The text with nothing the text-search parser would read as a tag or an entity. */
export function parsable(text: string): string {
  return text.replace(/[<&]/g, (sign) => sign + SEPARATOR);
}

/** parsable(), in SQL, for text the statement itself holds (the chunks it indexes, the stored ones it headlines). */
export function parsableSql(text: Expression<string | null>): RawBuilder<string> {
  return sql<string>`replace(replace(${text}, '<', ${"<" + SEPARATOR}), '&', ${"&" + SEPARATOR})`;
}

/** Removes what parsable() added, from a snippet ts_headline made of parsable text. */
export function unparsable(text: string): string {
  return text.replaceAll(SEPARATOR, "");
}

/**
 * A tsquery matching every one of `terms` as a single lexeme, in tsquery's
 * input syntax: each quoted, quotes doubled and backslashes escaped, so any
 * characters stay one lexeme. Empty for no terms.
 */
export function symbolTsquery(terms: readonly string[]): string {
  return terms.map((term) => `'${term.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`).join(" & ");
}
