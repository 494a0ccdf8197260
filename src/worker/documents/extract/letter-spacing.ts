import type { TextItem, TextMarkedContent } from "pdfjs-dist/types/src/display/api";

// pdf.js turns a gap of 0.102 to 0.6 em between two glyphs of one run into a
// space inside the item's text, and a wider gap into a whitespace item of its
// own. A fixed-column code listing (LaTeX `listings`) spreads a short word
// over its columns with gaps of 0.12-0.3 em between the letters (`r e t u r
// n`, `I n i t B y t e T a b l e`), and its word gaps, a whole column, are
// wider than 0.6 em: whitespace items. So an item whose every glyph is
// followed by a space, beside a gap wider than any inside it, is one word
// letter-spaced. (A run of such glyphs inside a longer item is not joined:
// in a justified line it is initials, `Markus F X J Oberhumer`.) Prose is
// not: pdf.js gives a line or phrase per item, and a one-letter-words item (`p q g y`, `N G` in math, `a C long`) sits beside
// gaps narrower than 0.6 em; rows of digits (`0 0 1`) stand alone.
const LETTER_SPACED = /^\S(?: \S)+$/u;
const IN_FLOW_SPACE_MAX = 0.6;
// The spaces between two letters, or a letter and a digit, go; beside
// punctuation they stay, as pdftotext keeps them (`InitByteTable ( )`,
// `u ) ;`), and between two digits too (`i < 2 5 6` could be a matrix row).
const INNER_SPACE = /(?<=[\p{L}_]) (?=[\p{L}\p{N}_])|(?<=[\p{N}]) (?=[\p{L}_])/gu;

type Item = TextItem | TextMarkedContent;

const isWideGap = (item: Item | undefined, fontSize: number) =>
  item !== undefined && "str" in item && item.str === " " && item.width > IN_FLOW_SPACE_MAX * fontSize;

/**
 * A page's text from pdf.js's items, a line break where pdf.js saw one, with
 * the spaces it put between the letters of a letter-spaced word removed.
 */
export function pageText(items: readonly Item[]): string {
  let text = "";
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!("str" in item)) continue;
    text += letterSpaced(item, items[i - 1], items[i + 1]) ? item.str.replace(INNER_SPACE, "") : item.str;
    if (item.hasEOL) text += "\n";
  }
  return text;
}

function letterSpaced(item: TextItem, before: Item | undefined, after: Item | undefined): boolean {
  const { str } = item;
  // Cheap test first: in most items the second character is no space.
  if (str.length < 3 || str[1] !== " " || !LETTER_SPACED.test(str)) return false;
  // pdf.js types the transform any[]: [a, b, c, d, e, f], whose (c, d) column is the font's height.
  const [, , c, d] = item.transform as [number, number, number, number, number, number];
  const fontSize = Math.hypot(c, d);
  return isWideGap(before, fontSize) || isWideGap(after, fontSize);
}
