import { describe, expect, it } from "vitest";

import { deflatedZeros, zip } from "../../../../tests/support/worker/zip-writer";
import { checkZip, MAX_DOCX_EXPANDED_BYTES } from "./zip-guard";
import { failure } from "../../../../tests/support/worker/extract-fixtures";

const docParts = [
  { name: "[Content_Types].xml", data: Buffer.from("<Types/>") },
  { name: "word/", data: new Uint8Array() },
];

describe("checkZip", () => {
  it("returns the entries of an ordinary archive", async () => {
    const names = await checkZip(zip([...docParts, { name: "word/document.xml", data: Buffer.from("<w:document/>") }]));
    expect([...names].sort()).toEqual(["[Content_Types].xml", "word/", "word/document.xml"]);
  });

  it("refuses a 1 GiB bomb that declares its size", async () => {
    const bomb = zip([...docParts, { name: "word/document.xml", deflated: deflatedZeros(1024) }]);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const error = await failure(checkZip(bomb));
    expect(error.code).toBe("too_large");
    expect(error.reason).toBe(
      `The document expands to more than ${MAX_DOCX_EXPANDED_BYTES / 1024 / 1024} MB: too large to process.`,
    );
  });

  it("counts the bytes a bomb really expands to when its declared sizes lie", async () => {
    const bombs = [0, 1, 2].map((i) => ({
      name: `word/media/part${i}.bin`,
      deflated: deflatedZeros(64),
      declaredSize: 1000,
    }));
    const error = await failure(checkZip(zip([...docParts, ...bombs])));
    expect(error.code).toBe("too_large");
  });

  it("takes its cap as a parameter", async () => {
    const archive = zip([...docParts, { name: "word/document.xml", deflated: deflatedZeros(2), declaredSize: 10 }]);
    await expect(checkZip(archive, { maxExpandedBytes: 3 * 1024 * 1024 })).resolves.toBeInstanceOf(Set);
    expect((await failure(checkZip(archive, { maxExpandedBytes: 1024 * 1024 }))).reason).toBe(
      "The document expands to more than 1 MB: too large to process.",
    );
  });

  it("refuses an archive of too many entries", async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `word/e${i}.xml`, data: new Uint8Array() }));
    expect((await failure(checkZip(zip(many), { maxEntries: 100 }))).code).toBe("too_large");
  });

  it("calls bytes that are not a ZIP damaged", async () => {
    const error = await failure(checkZip(Buffer.from("PK\u0003\u0004 but nothing else of a zip")));
    expect(error.code).toBe("damaged");
  });
});
