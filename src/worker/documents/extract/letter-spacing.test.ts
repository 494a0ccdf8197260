import type { TextItem } from "pdfjs-dist/types/src/display/api";
import { describe, expect, it } from "vitest";

import { pageText } from "./letter-spacing";
import { debianPdfPages, itWithDebianPdfs } from "../../../../tests/support/debian-pdfs";
import { PDF_EXTRACTORS } from "../../../../tests/support/worker/extract-fixtures";
import { extractText } from "./extract";

// Items as pdf.js gives them at 8 pt: a word gap wider than 0.6 em is an item " " of its own.
const item = (str: string, width = str.length * 4, hasEOL = false): TextItem => ({
  str,
  dir: "ltr",
  width,
  height: 8,
  transform: [8, 0, 0, 8, 0, 0],
  fontName: "f1",
  hasEOL,
});
const gap = (em: number) => item(" ", em * 8);

describe("pageText", () => {
  it("joins a letter-spaced word beside a gap wider than pdf.js's in-flow spaces", () => {
    expect(pageText([item("}"), gap(0.87), item("e l s e"), gap(0.87), item("{", 4, true), item("x")])).toBe(
      "} else {\nx",
    );
    expect(pageText([item("v o i d"), gap(0.9), item("I n i t B y t e T a b l e ( )")])).toBe("void InitByteTable ( )");
  });

  it("keeps the spaces beside punctuation and between digits", () => {
    expect(pageText([gap(1), item("u ) ;")])).toBe(" u ) ;");
    expect(pageText([gap(1), item("2 5 6 x")])).toBe(" 2 5 6x");
  });

  it("leaves one-letter words of prose alone: beside narrow gaps, alone on a line, or in a longer item", () => {
    expect(pageText([item("dsa_public_key"), gap(0.46), item("p q g y")])).toBe("dsa_public_key p q g y");
    expect(pageText([item("0 0 0 1 0", 40, true), item("0 1 2 4 3", 40, true)])).toBe("0 0 0 1 0\n0 1 2 4 3\n");
    expect(pageText([gap(1), item("Markus F X J Oberhumer")])).toBe(" Markus F X J Oberhumer");
  });

  it("skips marked-content items", () => {
    expect(pageText([{ type: "beginMarkedContent", id: "m0" }, item("a b", 12, true)])).toBe("a b\n");
  });
});

describe.each(PDF_EXTRACTORS)(
  "extractText on Debian's crc-doc.pdf (LaTeX listings, fixed columns), by %s",
  (extractor) => {
    itWithDebianPdfs("gives the words of its code listings, not their letters", ["crc-doc"], async () => {
      const page = async (number: number) =>
        (await extractText(await debianPdfPages("crc-doc", number), "pdf", undefined, extractor)).units
          .map((unit) => unit.text)
          .join("\n");
      const listing = await page(11);
      expect(listing).toContain("void InitByteTable ( ) {");
      expect(listing).toContain("return MulByXpowD [");
      expect(await page(8)).toContain("} else {");
      expect(await page(15)).toContain("// Processes N stripes of StripeWidth words each");
    });
  },
);
