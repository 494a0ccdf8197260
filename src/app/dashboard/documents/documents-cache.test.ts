import { describe, expect, it } from "vitest";

import { documentSummary } from "../../../../tests/support/document-summary";
import type { DocumentSummary } from "~/contract/document-summary";
import { isNewer, mergeFetched, upsertDocument, withoutDocument } from "./documents-cache";

function doc(id: string, changeSeq: string, change: Partial<DocumentSummary> = {}): DocumentSummary {
  return documentSummary({ id, name: `${id}.md`, createdAt: 1_000, changeSeq, ...change });
}

describe("isNewer", () => {
  it("compares change sequences as the bigints they are, not as strings", () => {
    expect(isNewer({ changeSeq: "10" }, { changeSeq: "9" })).toBe(true);
    expect(isNewer({ changeSeq: "9007199254740993" }, { changeSeq: "9007199254740992" })).toBe(true);
    expect(isNewer({ changeSeq: "9" }, { changeSeq: "9" })).toBe(false);
  });
});

describe("upsertDocument", () => {
  const older = doc("a", "5", { createdAt: 1_000 });
  const newer = doc("b", "6", { createdAt: 2_000 });

  it("replaces a document with a later state of it, in place", () => {
    const list = [newer, older];
    const ready = doc("a", "7", { createdAt: 1_000, status: "ready", progress: 100 });
    expect(upsertDocument(list, ready)).toEqual([newer, ready]);
  });

  it("ignores a state that is not newer than the one shown, and returns the same list", () => {
    const list = [newer, doc("a", "8", { status: "ready" })];
    expect(upsertDocument(list, doc("a", "7", { status: "indexing" }))).toBe(list);
    expect(upsertDocument(list, doc("a", "8", { status: "indexing" }))).toBe(list);
  });

  it("adds a document it did not have where its upload time puts it (newest first)", () => {
    const middle = doc("c", "9", { createdAt: 1_500 });
    expect(upsertDocument([newer, older], middle).map((d) => d.id)).toEqual(["b", "c", "a"]);
    expect(upsertDocument([newer, older], doc("d", "10", { createdAt: 3_000 })).map((d) => d.id)).toEqual([
      "d",
      "b",
      "a",
    ]);
    expect(upsertDocument([newer, older], doc("e", "11", { createdAt: 500 })).map((d) => d.id)).toEqual([
      "b",
      "a",
      "e",
    ]);
    expect(upsertDocument([], older)).toEqual([older]);
  });
});

describe("mergeFetched", () => {
  it("keeps what is shown when it is newer than what the refetch read, and drops what the refetch no longer has", () => {
    const shown = [doc("a", "9", { status: "ready" }), doc("b", "3"), doc("gone", "4")];
    const fetched = [doc("a", "8", { status: "indexing" }), doc("b", "5", { status: "extracting" })];
    expect(mergeFetched(shown, fetched)).toEqual([shown[0], fetched[1]]);
  });

  it("takes the refetch as it is when nothing was shown", () => {
    const fetched = [doc("a", "1")];
    expect(mergeFetched(undefined, fetched)).toBe(fetched);
  });
});

describe("withoutDocument", () => {
  it("drops one document by id", () => {
    expect(withoutDocument([doc("a", "1"), doc("b", "2")], "a").map((d) => d.id)).toEqual(["b"]);
  });
});
