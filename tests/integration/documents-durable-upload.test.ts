import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  call,
  ingested,
  prose,
  rawUpload,
  signedInUser,
  startDocumentsStack,
  uniqueWord,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";
import { queryOnce } from "../support/test-database";
import type { DocumentSummary } from "~/contract/document-summary";

// An upload is one transaction: the document row, its original's parts and
// its ingestion job commit together or not at all. A client that goes away
// half-way leaves nothing behind — no row, no part, no job — and the worker
// carries on.

const databaseUrl = process.env.DATABASE_URL!;
let stack: DocumentsStack;

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "documents-durable-upload" });
});

afterAll(async () => {
  await stack?.stop();
});

/** The worker's log lines about one request, parsed. */
async function linesOf(requestId: string): Promise<Record<string, unknown>[]> {
  return (await stack.worker.logs())
    .split("\n")
    .filter((line) => line.includes(requestId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What the database holds for `user`, and ingestion jobs since `since` whose document does not exist. */
async function leftovers(user: TestUser, since: Date) {
  const [row] = await queryOnce<{ documents: number; parts: number; orphanParts: number; orphanJobs: number }>(
    databaseUrl,
    `SELECT (SELECT count(*)::int FROM "document" WHERE "userId" = $1) AS documents,
            (SELECT count(*)::int FROM "document_part" p JOIN "document" d ON d."id" = p."documentId" WHERE d."userId" = $1) AS parts,
            (SELECT count(*)::int FROM "document_part" p WHERE NOT EXISTS (SELECT 1 FROM "document" d WHERE d."id" = p."documentId")) AS "orphanParts",
            (SELECT count(*)::int FROM pgboss.job j WHERE j.name = 'document.ingest' AND j.created_on >= $2
               AND NOT EXISTS (SELECT 1 FROM "document" d WHERE d."id" = j.data->>'documentId')) AS "orphanJobs"`,
    [user.userId, since],
  );
  return row!;
}

/** The client writes `sendBytes` of a `total`-byte upload, waits so the worker stores what it got, and goes away. */
async function abortedUpload(
  user: TestUser,
  { total, sendBytes, chunked = false }: { total: number; sendBytes: number; chunked?: boolean },
) {
  const requestId = `abort-${randomBytes(6).toString("hex")}`;
  const piece = Buffer.from(prose(64 * 1024).slice(0, 64 * 1024));
  const exchange = await rawUpload({
    worker: stack.worker,
    token: user.token,
    name: "half.txt",
    requestId,
    headers: chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(total) },
    body: async (write, socket) => {
      for (let sent = 0; sent < sendBytes; sent += piece.length) {
        const chunk = piece.subarray(0, Math.min(piece.length, sendBytes - sent));
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
          : chunk;
        if (!(await write(framed))) throw new Error("the worker closed the connection before the client went away");
      }
      // Long enough for the worker to write the parts it has into its open transaction.
      await sleep(500);
      socket.destroy();
    },
  });
  expect(exchange.status).toBeNull(); // no answer: the client left first
  // The worker saw the request end without an answer, and logged no error for it.
  const deadline = performance.now() + 10_000;
  let lines = await linesOf(requestId);
  while (!lines.some((line) => line.msg === "request") && performance.now() < deadline) {
    await sleep(100);
    lines = await linesOf(requestId);
  }
  expect(lines.find((line) => line.msg === "request")).toMatchObject({
    method: "POST",
    path: "/documents",
    aborted: true,
  });
  expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
}

/** The user's next upload works and is all they have. */
async function carriesOn(user: TestUser) {
  const word = uniqueWord("zqafter");
  const next = await ingested(stack.worker, user.token, "whole.txt", `Sent whole: ${word}.`);
  const list = await call<DocumentSummary[]>(stack.worker, user.token, "documents.list");
  expect(list.ok && list.data.map((document) => document.id)).toEqual([next.id]);
}

describe("a client that goes away mid-upload leaves no document, no parts, no job", () => {
  it("half of a 3 MiB upload with a Content-Length (one 1 MiB part already written in the transaction)", async () => {
    const user = await signedInUser("abort-length");
    const since = new Date(Date.now() - 1_000);
    await abortedUpload(user, { total: 3 * 1024 * 1024, sendBytes: 1.5 * 1024 * 1024 });
    expect(await leftovers(user, since)).toEqual({ documents: 0, parts: 0, orphanParts: 0, orphanJobs: 0 });
    await carriesOn(user);
  });

  it("a chunked upload whose last chunk never comes", async () => {
    const user = await signedInUser("abort-chunked");
    const since = new Date(Date.now() - 1_000);
    await abortedUpload(user, { total: 0, sendBytes: 2 * 1024 * 1024, chunked: true });
    expect(await leftovers(user, since)).toEqual({ documents: 0, parts: 0, orphanParts: 0, orphanJobs: 0 });
    await carriesOn(user);
  });

  it("a client that leaves within the first bytes (before the type is known)", async () => {
    const user = await signedInUser("abort-head");
    const since = new Date(Date.now() - 1_000);
    await abortedUpload(user, { total: 1_000_000, sendBytes: 100 });
    expect(await leftovers(user, since)).toEqual({ documents: 0, parts: 0, orphanParts: 0, orphanJobs: 0 });
    await carriesOn(user);
  });
});
