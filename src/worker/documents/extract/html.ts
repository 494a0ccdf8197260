import { Parser } from "htmlparser2";

import { SectionBuilder } from "./sections";
import type { Extracted } from "./types";

// Their content is code, styling or markup for another context, never text
// a reader sees. (<head> is not skipped whole: a page that never closes it
// would lose its body; its <title> is read apart.)
const SKIPPED = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "title",
  "iframe",
  "object",
  "svg",
  "math",
  "select",
]);
const SECTION_HEADINGS = new Set(["h1", "h2", "h3"]);
const BLOCKS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tr",
  "ul",
]);
const CELLS = new Set(["td", "th"]);

type Event = { heading: string } | { text: string };

/**
 * The visible text of an HTML document, one unit per h1–h3 section. Attributes
 * are never read, so event handlers and URLs cannot reach the text.
 */
export function extractHtml(html: string): Extracted {
  let title: string | undefined;
  let titleParts: string[] | undefined;
  let headingParts: string[] | undefined;
  let skipDepth = 0;
  const events: Event[] = [];

  const write = (text: string) => {
    if (headingParts) headingParts.push(text);
    else events.push({ text });
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === "title" && title === undefined && skipDepth === 0) titleParts = [];
        if (SKIPPED.has(name)) skipDepth++;
        if (skipDepth > 0) return;
        if (SECTION_HEADINGS.has(name)) headingParts = [];
        // A line break, where a block's edges make a paragraph break.
        else if (name === "br") write("\n");
        else if (BLOCKS.has(name)) write("\n");
        else if (CELLS.has(name)) write(" ");
      },
      ontext(text) {
        if (titleParts) titleParts.push(text);
        else if (skipDepth === 0) write(text);
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          if (name === "title" && titleParts) {
            title = titleParts.join("");
            titleParts = undefined;
          }
          return;
        }
        if (skipDepth > 0) return;
        if (SECTION_HEADINGS.has(name) && headingParts) {
          events.push({ heading: headingParts.join("") });
          headingParts = undefined;
        } else if (BLOCKS.has(name)) write("\n");
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.end(html);
  if (headingParts) events.push({ heading: headingParts.join("") });

  // The <title> names the text before the first heading, and is known only once read.
  const sections = new SectionBuilder(title);
  for (const event of events) {
    if ("heading" in event) sections.heading(event.heading);
    else sections.text(event.text);
  }
  return sections.finish();
}
