import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { DocumentSummary } from "~/contract/document-summary";
import {
  call,
  download,
  getDocument,
  ingested,
  prose,
  readEvents,
  search,
  signedInUser,
  startDocumentsStack,
  uniqueWord,
  uploadOk,
  waitForStatus,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";

// One user's documents, as seen by another signed-in user holding a valid
// token of their own who knows (or guesses) their ids: every way in answers
// exactly what an id that does not exist answers (NOT_FOUND, never
// FORBIDDEN: whether it exists is not told), and nothing of A's changes.

let stack: DocumentsStack;
let a: TestUser;
let b: TestUser;
/** A's ready document, with a phrase only it contains. */
let aReady: DocumentSummary;
/** A's failed document (a PDF with no text): one whose retry A would be told is pointless, and B must not learn of. */
let aFailed: DocumentSummary;
/** B's own ready document: proof that B's calls work at all. */
let bReady: DocumentSummary;
const aText = prose(3_000);
const aWord = uniqueWord("zqa");
const bWord = uniqueWord("zqb");
const aBody = `${aText}\n\nThe secret of A: ${aWord} lives here.\n`;

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "documents-isolation" });
  [a, b] = await Promise.all([signedInUser("iso-a"), signedInUser("iso-b")]);
  [aReady, bReady] = await Promise.all([
    ingested(stack.worker, a.token, "a-secret.txt", aBody),
    ingested(stack.worker, b.token, "b-own.txt", `B's own words: ${bWord}.`),
  ]);
  // %PDF and nothing readable after it: a document that fails.
  const failed = await uploadOk(
    stack.worker,
    a.token,
    "a-broken.pdf",
    Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 0x42)]),
  );
  aFailed = await waitForStatus(stack.worker, a.token, failed.id);
  expect(aFailed.status).toBe("failed");
});

afterAll(async () => {
  await stack?.stop();
});

/** What B is told about a document id that exists nowhere: the answer A's ids must get too. */
async function answerForNoSuchDocument(procedure: string, type: "query" | "mutation" = "query") {
  return call(stack.worker, b.token, procedure, { id: randomUUID() }, type);
}

describe("user B, with a valid token of their own, cannot reach user A's documents", () => {
  it("the positive controls: A reaches them, B reaches B's own", async () => {
    expect((await search(stack.worker, a.token, aWord)).map((hit) => hit.documentId)).toEqual([aReady.id]);
    expect((await search(stack.worker, b.token, bWord)).map((hit) => hit.documentId)).toEqual([bReady.id]);
    expect((await download(stack.worker, a.token, aReady.id)).body).toBe(aBody);
    // A null filter is what the dashboard sends for "all ready documents": no filter at all.
    const unfiltered = await call<{ hits: { documentId: string }[] }>(stack.worker, a.token, "documents.search", {
      query: aWord,
      documentId: null,
    });
    expect(unfiltered.ok && unfiltered.data.hits.map((hit) => hit.documentId)).toEqual([aReady.id]);
  });

  it("get: NOT_FOUND, as for an id that does not exist", async () => {
    for (const id of [aReady.id, aFailed.id]) {
      const answer = await call(stack.worker, b.token, "documents.get", { id });
      expect(answer).toMatchObject({ ok: false, status: 404, code: "NOT_FOUND" });
      expect(answer).toEqual(await answerForNoSuchDocument("documents.get"));
    }
  });

  it("list: only B's own", async () => {
    const list = await call<DocumentSummary[]>(stack.worker, b.token, "documents.list");
    expect(list.ok && list.data.map((document) => document.id)).toEqual([bReady.id]);
  });

  it("search: A's phrase finds nothing for B; A's id as the filter is NOT_FOUND, as an id that does not exist", async () => {
    expect(await search(stack.worker, b.token, aWord)).toEqual([]);
    expect(await search(stack.worker, b.token, `"secret of A"`)).toEqual([]);
    const filteredTo = (documentId: string) =>
      call(stack.worker, b.token, "documents.search", { query: aWord, documentId });
    for (const id of [aReady.id, aFailed.id]) {
      const answer = await filteredTo(id);
      expect(answer).toMatchObject({ ok: false, status: 404, code: "NOT_FOUND", message: "No such document." });
      expect(answer).toEqual(await filteredTo(randomUUID()));
    }
    // A word every document has: B's results hold B's document only.
    const common = await call<{ hits: { documentId: string }[] }>(stack.worker, b.token, "documents.search", {
      query: "words OR river OR secret",
    });
    expect(common.ok && new Set(common.data.hits.map((hit) => hit.documentId))).toEqual(new Set([bReady.id]));
  });

  it("download: 404, the same answer as for an id that does not exist, and not a byte of A's", async () => {
    const answer = await download(stack.worker, b.token, aReady.id);
    const nowhere = await download(stack.worker, b.token, randomUUID());
    expect(answer.status).toBe(404);
    expect(answer.body).toBe(nowhere.body);
    expect(answer.body).not.toContain(aWord);
    const head = await fetch(`${stack.worker.url}/documents/${aReady.id}/original`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(head.status).toBe(404);
  });

  it("delete: NOT_FOUND, and A's document stays", async () => {
    for (const id of [aReady.id, aFailed.id]) {
      const answer = await call(stack.worker, b.token, "documents.delete", { id }, "mutation");
      expect(answer).toMatchObject({ ok: false, status: 404, code: "NOT_FOUND" });
      expect(answer).toEqual(await answerForNoSuchDocument("documents.delete", "mutation"));
    }
  });

  it("retry: NOT_FOUND, not CONFLICT (which would tell the ready one exists), and A's failed document is not requeued", async () => {
    for (const id of [aReady.id, aFailed.id]) {
      const answer = await call(stack.worker, b.token, "documents.retry", { id }, "mutation");
      expect(answer).toMatchObject({ ok: false, status: 404, code: "NOT_FOUND" });
      expect(answer).toEqual(await answerForNoSuchDocument("documents.retry", "mutation"));
    }
    // A's own retry of the ready one is a CONFLICT: the refusal above is not the only answer retry gives.
    expect(await call(stack.worker, a.token, "documents.retry", { id: aReady.id }, "mutation")).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
  });

  it("events from lastEventId \"0\": B's documents and never A's", async () => {
    const events = await readEvents(stack.worker, b.token, { lastEventId: "0", forMs: 2_000 });
    expect(events.status).toBe(200);
    expect(events.documents.map((document) => document.id)).toContain(bReady.id);
    expect(events.documents.every((document) => document.id === bReady.id)).toBe(true);
    for (const secret of [aReady.id, aFailed.id, aWord, "a-secret.txt"]) expect(events.text).not.toContain(secret);
  });

  it("events while A's document changes: B hears nothing of it", async () => {
    const listening = readEvents(stack.worker, b.token, { forMs: 4_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const changed = await ingested(stack.worker, a.token, "a-while-b-listens.txt", `Another of A's: ${aWord}.`);
    const events = await listening;
    expect(events.status).toBe(200);
    expect(events.text).not.toContain(changed.id);
    expect(events.text).not.toContain(aWord);
  });
});

describe("afterwards", () => {
  it("A's documents are exactly as they were", async () => {
    const ready = await getDocument(stack.worker, a.token, aReady.id);
    expect(ready).toMatchObject({
      status: "ready",
      chunkCount: aReady.chunkCount,
      sizeBytes: aReady.sizeBytes,
      name: "a-secret.txt",
    });
    const failed = await getDocument(stack.worker, a.token, aFailed.id);
    expect(failed).toMatchObject({
      status: "failed",
      failureReason: aFailed.failureReason,
      changeSeq: aFailed.changeSeq,
    });
    expect((await search(stack.worker, a.token, aWord)).map((hit) => hit.documentId)).toContain(aReady.id);
    expect((await download(stack.worker, a.token, aReady.id)).body).toBe(aBody);
  });
});
