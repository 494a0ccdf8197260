import { describe, expect, it } from "vitest";

import { extractText } from "./extract";
import { readerText, type ReaderTextCounts } from "./reader-text";
import type { ExtractedUnit } from "./types";
import { debianPdfPages, itWithDebianPdfs } from "../../../../tests/support/debian-pdfs";
import { PDF_EXTRACTORS } from "../../../../tests/support/worker/extract-fixtures";

const texts = (...units: string[]) => readerText(units.map((text) => ({ text }))).map((unit) => unit.text);
const text = (one: string) => texts(one)[0];
const counted = (units: ExtractedUnit[]) => {
  const counts: ReaderTextCounts = { accentsComposed: 0, hyphenationsJoined: 0, hyphenationsKept: 0 };
  readerText(units, counts);
  return counts;
};

describe("readerText: spacing accents", () => {
  it("composes the spacing diacritic pdf.js gives before a TeX-accented letter", () => {
    expect(text("Niels M¨oller, P´eter Juh´asz, Moir´e, J´erˆome, Timoth´ee")).toBe(
      "Niels Möller, Péter Juhász, Moiré, Jérôme, Timothée",
    );
    expect(text("Dvoˇr´ak, Erd˝os, ˚Angstr¨om, Ø˙z, ˘gul, ¯a")).toBe("Dvořák, Erdős, Ångström, Øż, ğul, ā");
  });

  it("composes across the space pdf.js may leave inside a word", () => {
    expect(text("M¨ oller")).toBe("Möller");
    expect(text("the ´ character")).toBe("the ´ character");
  });

  it("puts the accent on an i, not on TeX's dotless ı", () => {
    expect(text("Mikul´ık na¨ıve ˆıle")).toBe("Mikulík naïve ˆıle");
  });

  it("puts a combining mark after TeX's dotless ı on an i, as pdftotext gives it", () => {
    expect(text("Mikulı\u0301k, naı\u0308ve, ıle")).toBe("Mikulík, naïve, ıle");
  });

  it("takes a cedilla or ogonek before an x-height letter, after a taller one, as plain TeX places it", () => {
    expect(text("Fran¸cais, gar¸con, ¸sa")).toBe("Français, garçon, şa");
    expect(text("S¸tefan, k¸a, ka˛t")).toBe("Ştefan, ķa, kąt");
  });

  it("leaves a diacritic alone where no precomposed letter exists", () => {
    expect(text("b¨b x´q")).toBe("b¨b x´q");
  });

  it("composes ^ ~ ` only inside a word, as TeX's texinfo prints \\^o, never in code or formulas", () => {
    expect(text("a similar r^ole, Espa~nol, Moli`ere")).toBe("a similar rôle, Español, Molière");
    expect(text("x^e mod n, a^j here, 2^32, a^b, `cmd`, ~/x, f(`e`)")).toBe(
      "x^e mod n, a^j here, 2^32, a^b, `cmd`, ~/x, f(`e`)",
    );
  });

  it("composes the modifier ˆ ˜ only directly between letters (gnuplot prints its ~ operator as ˜)", () => {
    expect(text("Thus ’˜ a/’ will result, ˜a overprints, the ˜ /.gnuplot file, J´erˆome")).toBe(
      "Thus ’˜ a/’ will result, ˜a overprints, the ˜ /.gnuplot file, Jérôme",
    );
  });

  it("counts what it composed", () => {
    expect(counted([{ text: "M¨oller" }, { text: "J´erˆome x^e" }]).accentsComposed).toBe(3);
  });
});

describe("readerText: ligatures and NFC", () => {
  it("splits ligatures and nothing else NFKC would change", () => {
    expect(text("ﬁnd ﬂow oﬀ eﬃcient baﬄe ﬅ ﬆ — x² ½ ™ ﬁ")).toBe("find flow off efficient baffle st st — x² ½ ™ fi");
  });

  it("composes decomposed letters (NFC)", () => {
    expect(text("Mo\u0308ller")).toBe("M\u00f6ller");
  });

  it("normalises headings as the text", () => {
    expect(readerText([{ section: "Eﬃcient Mo\u0308ller", text: "x" }])[0]?.section).toBe("Efficient Möller");
  });
});

describe("readerText: line-end hyphenation", () => {
  it("joins a split word without the hyphen when the fragments are not words", () => {
    expect(text("pick and choose appro-\npriate functionality")).toBe("pick and choose appropriate functionality");
  });

  it("joins without the hyphen when the document has the joined word elsewhere", () => {
    expect(texts("the context encap-\nsulates all", "each key encapsulates")).toEqual([
      "the context encapsulates all",
      "each key encapsulates",
    ]);
    // Even when both pieces are words too: the whole word decides first.
    expect(text("we can in-\nform you; inform them in form")).toBe("we can inform you; inform them in form");
  });

  it("keeps the hyphen of a compound the document hyphenates elsewhere", () => {
    expect(texts("a well-\nknown name", "is well-known")).toEqual(["a well-known name", "is well-known"]);
    expect(text("the pseudo-\ncolumn $0; each pseudo-column")).toBe("the pseudo-column $0; each pseudo-column");
  });

  it("keeps the hyphen when both pieces are words of the document", () => {
    expect(texts("floating-\npoint", "a point on the floating line")).toEqual([
      "floating-point",
      "a point on the floating line",
    ]);
  });

  it("does not count the split's own pieces as words", () => {
    expect(text("com-\nputed once, com-\nputed twice")).toBe("computed once, computed twice");
  });

  it("joins only letters, at a single line break", () => {
    expect(text("2^31-\n1, salsa20-\ncrypt, ab-\n\ncd, x -\ny")).toBe("2^31-\n1, salsa20-\ncrypt, ab-\n\ncd, x -\ny");
  });

  it("keeps the hyphen before a capital: a name or a range, not a word the line broke", () => {
    expect(text("from February-\nMarch 2007, FcConfig-\nParse and Fc-\nConfigParse")).toBe(
      "from February-March 2007, FcConfig-Parse and Fc-ConfigParse",
    );
    expect(texts("OP-\nTIONAL", "is OPTIONAL")).toEqual(["OPTIONAL", "is OPTIONAL"]);
  });

  it("keeps the capital and the kind of hyphen", () => {
    expect(text("Technical Com-\nmittee")).toBe("Technical Committee");
    expect(texts("state-of-the\u2010\nart", "the art")).toEqual(["state-of-the\u2010art", "the art"]);
  });

  it("leaves a word split over two units alone", () => {
    expect(texts("the hex-", "adecimal value")).toEqual(["the hex-", "adecimal value"]);
  });

  it("counts joined and kept", () => {
    expect(counted([{ text: "appro-\npriate, well-\nknown, well-known" }])).toMatchObject({
      hyphenationsJoined: 1,
      hyphenationsKept: 1,
    });
  });

  it("keeps each unit's page", () => {
    expect(readerText([{ page: 4, text: "appro-\npriate" }])).toEqual([{ page: 4, text: "appropriate" }]);
  });
});

// Real toolchains' output, as each PDF extractor reads it: pages cut from the PDFs Debian installs.
describe.each(PDF_EXTRACTORS)("extractText on Debian's documentation PDFs, by %s", (extractor) => {
  const pageText = async (name: Parameters<typeof debianPdfPages>[0], page: number) =>
    (await extractText(await debianPdfPages(name, page), "pdf", undefined, extractor)).units
      .map((unit) => unit.text)
      .join("\n");

  itWithDebianPdfs("nettle.pdf (Texinfo): Möller, encapsulates, Committee", ["nettle"], async () => {
    const title = await pageText("nettle", 1);
    expect(title).toContain("Niels Möller");
    expect(title).not.toContain("¨");
    const conventions = await pageText("nettle", 8);
    expect(conventions).toContain("The context struct encapsulates all information");
    expect(await pageText("nettle", 20)).toContain("Cryptography Standardization Technical Committee of China");
  });

  itWithDebianPdfs("gnuplot.pdf (LaTeX): Jérôme, Péter, Mikulík, Moiré", ["gnuplot"], async () => {
    const authors = await pageText("gnuplot", 1);
    expect(authors).toContain("Jérôme Lodewyck");
    expect(authors).toContain("Péter Juhász");
    expect(authors).toContain("Petr Mikulík");
    expect(authors).not.toMatch(/[´ˆ¨]/);
    expect(await pageText("gnuplot", 158)).toContain("Moiré");
  });

  itWithDebianPdfs("gnuplot.pdf: its ~ operator in code samples stays as printed", ["gnuplot"], async () => {
    const table = await pageText("gnuplot", 34);
    // The markup table's example, whichever order an extractor reads its columns in.
    expect(table).toContain("~a{.8-}");
    if (extractor === "pdf.js") expect(table).toContain("~ ~a{.8-} ˜a overprints");
    expect(await pageText("gnuplot", 35)).toContain("Thus ’˜ a/’ will result");
    expect(await pageText("gnuplot", 36)).toContain("overridden by the ˜ /.gnuplot");
  });

  itWithDebianPdfs("fontconfig-user.pdf (DocBook): appropriate", ["fontconfig-user"], async () => {
    const intro = await pageText("fontconfig-user", 1);
    expect(intro).toContain("to pick and choose appropriate functionality");
    expect(intro).toContain("this will ensure that");
  });

  itWithDebianPdfs("libtasn1.pdf (Texinfo): manipulation", ["libtasn1"], async () => {
    expect(await pageText("libtasn1", 2)).toContain("Distinguished Encoding Rules (DER) manipulation.");
  });
});
