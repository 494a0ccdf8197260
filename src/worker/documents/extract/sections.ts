import { cleanText, cleanTitle } from "./clean";
import type { Extracted, ExtractedUnit } from "./types";

/**
 * Collects a document's text into one unit per heading. Text before the
 * first heading is a unit of its own, titled `preamble` when given (an HTML
 * page's <title>) when it has text of its own. A unit's text starts with its
 * heading, so words that are only in headings are found too; a heading with
 * nothing under it is still a unit.
 */
export class SectionBuilder {
  readonly #units: ExtractedUnit[] = [];
  #title: string | undefined;
  #parts: string[] = [];
  #headings = 0;
  #inPreamble = true;

  constructor(preamble?: string) {
    this.#start(preamble);
  }

  text(part: string): void {
    this.#parts.push(part);
  }

  heading(title: string): void {
    this.#flush();
    this.#inPreamble = false;
    this.#start(title);
    this.#headings++;
  }

  finish(): Extracted {
    this.#flush();
    return { units: this.#units, sections: this.#headings };
  }

  #start(title: string | undefined): void {
    this.#title = title === undefined ? undefined : cleanTitle(title) || undefined;
    this.#parts = this.#title ? [this.#title, "\n\n"] : [];
  }

  #flush(): void {
    const text = cleanText(this.#parts.join(""));
    // A page's title alone is not content: it would repeat the first heading, as it usually does.
    if (this.#inPreamble && text === this.#title) return;
    if (text) this.#units.push(this.#title ? { section: this.#title, text } : { text });
  }
}
