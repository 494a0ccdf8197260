import { describe, expect, it } from "vitest";

import { extractHtml } from "./html";

describe("extractHtml", () => {
  it("drops scripts, styles, templates and every attribute, event handlers included", () => {
    const { units } = extractHtml(`<!doctype html><html><head><title>Page</title>
      <script>var secret = "SCRIPT_TEXT";</script><style>.x { color: red }</style></head>
      <body onload="alert('ONLOAD')"><p onclick="steal('ONCLICK')" title="ATTRIBUTE">Visible text</p>
      <img src=x onerror="alert('ONERROR')"><noscript>NOSCRIPT</noscript><template><p>TEMPLATE</p></template>
      <a href="javascript:alert('HREF')">a link</a><script type="module">import "SCRIPT_MODULE"</script>
      <svg><script>SVG_SCRIPT</script><text>SVG</text></svg><p>More &amp; more &lt;text&gt;</p></body></html>`);
    const text = units.map((u) => u.text).join("\n");
    expect(text).toBe("Page\n\nVisible text\n\na link\n\nMore & more <text>");
    for (const hidden of [
      "SCRIPT",
      "ONLOAD",
      "ONCLICK",
      "ONERROR",
      "ATTRIBUTE",
      "NOSCRIPT",
      "TEMPLATE",
      "HREF",
      "SVG",
      "color",
    ]) {
      expect(text).not.toContain(hidden);
    }
  });

  it("makes one unit per h1–h3 section, starting with its heading", () => {
    const { units, sections } = extractHtml(
      "<p>Before</p><h1>One</h1><p>First</p><h2>Two <em>b</em></h2><p>Second</p><h4>Minor</h4><p>Still two</p><h3>Three</h3>",
    );
    expect(units).toEqual([
      { text: "Before" },
      { section: "One", text: "One\n\nFirst" },
      { section: "Two b", text: "Two b\n\nSecond\n\nMinor\n\nStill two" },
      { section: "Three", text: "Three" },
    ]);
    expect(sections).toBe(3);
  });

  it("keeps a page's title only when text precedes the first heading", () => {
    expect(extractHtml("<title>Doc</title><h1>Doc</h1><p>x</p>").units).toEqual([{ section: "Doc", text: "Doc\n\nx" }]);
    expect(extractHtml("<title>Doc</title><p>intro</p>").units).toEqual([{ section: "Doc", text: "Doc\n\nintro" }]);
  });

  it("keeps <br> a line break and blocks paragraphs", () => {
    expect(extractHtml("<p>line one<br>line two</p><div>next</div>").units).toEqual([
      { text: "line one\nline two\n\nnext" },
    ]);
  });

  it("reads a body after a <head> that is never closed", () => {
    expect(extractHtml("<html><head><title>T</title><body><p>Body text</p>").units.at(-1)?.text).toContain("Body text");
  });
});
