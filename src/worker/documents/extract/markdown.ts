import { Marked } from "marked";

import { extractHtml } from "./html";
import type { Extracted } from "./types";

// Its own instance: extensions someone adds to marked's global one must not change what is indexed.
const marked = new Marked({ gfm: true });

/**
 * Markdown's text, one unit per h1–h3 section: rendered to HTML and read as
 * HTML is, so markup, entities and any raw HTML it embeds (scripts included)
 * are handled in one place.
 */
export function extractMarkdown(markdown: string): Extracted {
  return extractHtml(marked.parse(markdown, { async: false }));
}
