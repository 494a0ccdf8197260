import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { extractMarkdown } from "./markdown";

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");

describe("extractMarkdown", () => {
  it("makes one unit per heading section, with the markup stripped", () => {
    const { units, sections } = extractMarkdown(fixture("sample.md"));
    expect(units.map((u) => u.section)).toEqual(["Introduction", "Details", "Deeper heading", "Conclusion"]);
    expect(sections).toBe(4);
    expect(units[0]?.text).toBe(
      "Introduction\n\nThis document tests extraction of Markdown, and of the Word and HTML\nfiles pandoc makes from it. It mentions a link and inline code.",
    );
    expect(units[1]?.text).toContain("First item about invoices");
    expect(units[1]?.text).toContain("Banana\nYellow");
    expect(units[2]?.text).toContain("Ampersands & comparisons like 3 < 5 survive.");
    const all = units.map((u) => u.text).join("\n");
    for (const markup of ["**", "](", "`", "|", "# "]) expect(all).not.toContain(markup);
  });

  it("drops scripts embedded as raw HTML", () => {
    const text = extractMarkdown(
      "# Title\n\n<script>alert('RAW')</script>\n\nInline <script>INLINE</script> end <b onclick=\"HANDLER\">bold</b>",
    )
      .units.map((u) => u.text)
      .join("\n");
    expect(text).toBe("Title\n\nInline end bold");
  });
});
