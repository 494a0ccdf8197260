import { describe, expect, it } from "vitest";

import {
  negationsAsWritten,
  parsable,
  parseQuery,
  symbolTermsOf,
  symbolTsquery,
  unparsable,
  wordPartsOf,
} from "./search-terms";

describe("symbolTermsOf", () => {
  it("keeps tokens whose symbols the parser would drop, lower-cased, without sentence punctuation", () => {
    expect(
      symbolTermsOf("Use C++, C# or .NET (see node.js.) and a->b; run --leak-check=full. Not: well-known, don't, 3.14"),
    ).toEqual(["c++", "c#", ".net", "node.js", "a->b", "--leak-check=full"]);
  });

  it("leaves out what has no letter or digit, and tokens too long to be typed", () => {
    expect(symbolTermsOf(`+++ --- ... ${"x+".repeat(40)}`)).toEqual([]);
  });
});

describe("parseQuery", () => {
  it("a symbol term stays in the text (phrases still hold) and must also match as written", () => {
    expect(parseQuery('"templates in C++" --leak-check=full')).toEqual({
      text: '"templates in C++" leak-check=full',
      symbols: ["c++", "--leak-check=full"],
    });
  });

  it("-word stays websearch's not", () => {
    expect(parseQuery("cookie -templates")).toEqual({ text: "cookie -templates", symbols: [] });
  });

  it("markup-like text is made parsable", () => {
    expect(parseQuery("<bool>").text).toBe(parsable("<bool>"));
    expect(parsable("<bool> &amp;")).not.toMatch(/<b|&a/);
  });
});

describe("negationsAsWritten", () => {
  it("quotes each -word outside quotes, so it is searched as written", () => {
    expect(negationsAsWritten('use the -vvvv option, "not -this" -x2')).toBe(
      'use the "-vvvv" option, "not -this" "-x2"',
    );
    expect(negationsAsWritten("a-b c --d")).toBeNull();
  });
});

describe("parsable / unparsable", () => {
  it("round-trips any text", () => {
    const text = "a < b && <dir>x</dir> &amp; <!-- c -->";
    expect(unparsable(parsable(text))).toBe(text);
  });
});

describe("symbolTsquery", () => {
  it("quotes every term as one lexeme, escaping quotes and backslashes", () => {
    expect(symbolTsquery(["c++", "o'k", "a\\b"])).toBe(`'c++' & 'o''k' & 'a\\\\b'`);
    expect(symbolTsquery([])).toBe("");
  });
});

describe("wordPartsOf", () => {
  it("gives the letters of tokens that are more than a word", () => {
    expect(wordPartsOf("bunzip2 page12 x86_64 plain don't 2024, https://www.gnu.org/licenses ASN.1 nettle_hash")).toBe(
      "bunzip page https www gnu org licenses ASN nettle hash",
    );
  });

  it("joins the two pieces around each hyphen, as a line-end split is often read", () => {
    expect(wordPartsOf("a check-sum, paper-and-ink and --alloc-fn=x")).toBe(
      "checksum paperand andink alloc fn allocfn",
    );
  });
});
