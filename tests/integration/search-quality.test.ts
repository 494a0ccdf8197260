import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { SearchResults } from "~/contract/search-results";
import { INDEX_VERSION } from "~/worker/documents/reindex";
import {
  callOk,
  ingested,
  prose,
  signedInUser,
  startDocumentsStack,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";
import { queryOnce } from "../support/test-database";

// What PostgreSQL's parser alone loses, searched through a real worker:
// accents, markup-like text, symbols, typos, and the re-index that brings
// documents indexed by an older worker up to date (docs/decisions/0022).

let stack: DocumentsStack;
let ada: TestUser;
let bob: TestUser;
const ids: Record<string, string> = {};

const DOCUMENTS = {
  accents: "Niels Möller wrote it; Jérôme made the Moiré plots.",
  markup: "Put <dir>fonts</dir> in the file; a <cachedir> and <selectfont> follow. A value is a <bool>.",
  cplusplus:
    "Templates in C++ and lambdas in C#, running on .NET beside node.js; a->b. Run valgrind --leak-check=full.",
  plainc: "The c language, a net of nodes, and the js file: c is for cookie.",
  typos: "The memcheck tool finds leaks; compression of the data follows. Run bunzip2 on page12. Use the -vvvv option.",
};

const find = (user: TestUser, query: string, documentId?: string) =>
  callOk<SearchResults>(stack.worker, user.token, "documents.search", { query, ...(documentId && { documentId }) });
const foundIn = async (user: TestUser, query: string) =>
  new Set((await find(user, query)).hits.map((hit) => hit.documentId));

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "search-quality" });
  [ada, bob] = await Promise.all([signedInUser("sq-ada"), signedInUser("sq-bob")]);
  for (const [name, text] of Object.entries(DOCUMENTS)) {
    ids[name] = (await ingested(stack.worker, ada.token, `${name}.txt`, `${prose(400)}\n\n${text}\n`)).id;
  }
});

afterAll(async () => {
  await stack?.stop();
});

describe("accents", () => {
  it.each(["Möller", "Moller", "moller", "Jerome", "Jérôme", "moire"])("%s finds the accented word", async (query) => {
    expect(await foundIn(ada, query)).toEqual(new Set([ids.accents]));
  });

  it("the snippet shows the word as written, highlighted", async () => {
    const [hit] = (await find(ada, "moller")).hits;
    expect(hit?.snippet.filter((segment) => segment.match).map((segment) => segment.text)).toEqual(["Möller"]);
  });
});

describe("markup-like text in a plain document", () => {
  it.each(["dir", "cachedir", "selectfont", "<bool>", "bool"])("%s is a word of the document", async (query) => {
    expect(await foundIn(ada, query)).toEqual(new Set([ids.markup]));
  });

  it("a copied line with angle brackets is found unquoted, and the snippet keeps them as written", async () => {
    const { hits } = await find(ada, "a <cachedir> and <selectfont> follow");
    expect(hits.map((hit) => hit.documentId)).toEqual([ids.markup]);
    const text = hits[0]!.snippet.map((segment) => segment.text).join("");
    expect(text).toContain("<cachedir> and <selectfont>");
    expect(text).not.toContain("\u200B");
  });
});

describe("terms with symbols match as written", () => {
  it.each(["C++", "c#", ".NET", "node.js", "a->b", "--leak-check=full", '"templates in C++"'])(
    "%s finds the document that has it, not the one with its letters alone",
    async (query) => {
      expect(await foundIn(ada, query)).toEqual(new Set([ids.cplusplus]));
    },
  );

  it("the letters alone still find both", async () => {
    expect(await foundIn(ada, "net")).toEqual(new Set([ids.cplusplus, ids.plainc]));
  });

  it("the letters of a word glued to digits find it, as the whole token does", async () => {
    for (const query of ["bunzip", "bunzip2", "page"])
      expect(await foundIn(ada, query), query).toEqual(new Set([ids.typos]));
  });

  it("-word is still websearch's not", async () => {
    expect(await foundIn(ada, "cookie -templates")).toEqual(new Set([ids.plainc]));
  });
});

describe("typo suggestions", () => {
  it("a misspelt word finds nothing and is offered the user's own closest word", async () => {
    const results = await find(ada, "memchek");
    expect(results.hits).toEqual([]);
    expect(results.suggestion).toBe("memcheck");
    expect((await find(ada, "Compresion of the data")).suggestion).toBe("compression of the data");
  });

  it("a search with enough hits gets no suggestion; one with accents only is not corrected", async () => {
    expect((await find(ada, "memcheck")).suggestion).toBeNull();
    expect((await find(ada, "Moller")).suggestion).toBeNull();
  });

  it("a pasted line whose -word excludes its own page is offered with the -word quoted, which finds it", async () => {
    const results = await find(ada, "use the -vvvv option");
    expect(results.hits).toEqual([]);
    expect(results.suggestion).toBe('use the "-vvvv" option');
    expect((await find(ada, results.suggestion!)).hits.map((hit) => hit.documentId)).toEqual([ids.typos]);
  });

  it("never offers another user's words, nor another document's when one is chosen", async () => {
    expect((await find(bob, "memchek")).suggestion).toBeNull();
    expect((await find(ada, "memchek", ids.accents)).suggestion).toBeNull();
    expect((await find(ada, "memchek", ids.typos)).suggestion).toBe("memcheck");
  });
});

describe("re-index", () => {
  it("a worker starting queues every document indexed by an older version, and the job brings it up to date", async () => {
    const databaseUrl = process.env.DATABASE_URL!;
    // As an older worker left it: no symbol lexemes, no words, an older version.
    await queryOnce(
      databaseUrl,
      `UPDATE document_chunk SET search = to_tsvector('simple', 'stale') WHERE "documentId" = $1`,
      [ids.cplusplus],
    );
    await queryOnce(databaseUrl, `DELETE FROM document_word WHERE "documentId" = $1`, [ids.cplusplus]);
    await queryOnce(databaseUrl, `UPDATE document SET "indexVersion" = 0 WHERE id = $1`, [ids.cplusplus]);
    expect(await foundIn(ada, "C++")).toEqual(new Set());

    await stack.addWorker("search-quality-restarted");
    const deadline = performance.now() + 30_000;
    for (;;) {
      const [row] = await queryOnce<{ indexVersion: number }>(
        databaseUrl,
        `SELECT "indexVersion" FROM document WHERE id = $1`,
        [ids.cplusplus],
      );
      if (row?.indexVersion === INDEX_VERSION) break;
      if (performance.now() > deadline) throw new Error(`still at index version ${row?.indexVersion}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await foundIn(ada, "C++")).toEqual(new Set([ids.cplusplus]));
    const [words] = await queryOnce<{ count: string }>(
      databaseUrl,
      `SELECT count(*) FROM document_word WHERE "documentId" = $1`,
      [ids.cplusplus],
    );
    expect(Number(words?.count)).toBeGreaterThan(10);
  });
});
