// NUL: PostgreSQL refuses it in text. U+E000/U+E001: the search marks its
// highlights with them, so a document must not bring its own. Other C0/C1
// controls are noise from the producers (form feeds, vertical tabs, escapes).
const REMOVED = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ue000\ue001]/g;
const HORIZONTAL_SPACE = /[\t\v\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g;
// Zero-width space, word joiner, BOM, and soft hyphens: nothing a reader sees
// or searches for. ZWJ and ZWNJ stay: they change how scripts and emoji read.
const INVISIBLE = /[\u00ad\u200b\u2060\ufeff]/g;
// A soft hyphen where the line breaks marks a word the producer split there.
const SOFT_HYPHEN_BREAK = /\u00ad[^\S\n]*\n[^\S\n]*(?=\S)/g;

/** Text fit to store and index: no NUL or highlight markers, one space between words, at most one blank line in a row. */
export function cleanText(text: string): string {
  return text
    .toWellFormed()
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, "\n")
    .replace(REMOVED, "")
    .replace(SOFT_HYPHEN_BREAK, "")
    .replace(INVISIBLE, "")
    .replace(HORIZONTAL_SPACE, " ")
    .replace(/ {2,}/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A heading as one line. */
export function cleanTitle(title: string): string {
  return cleanText(title).replace(/\s+/g, " ");
}
