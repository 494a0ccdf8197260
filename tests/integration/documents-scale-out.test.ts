import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { DocumentSummary } from "~/worker/documents/summary";
import {
  fixture,
  getDocument,
  prose,
  prosePdf,
  search,
  signedInUser,
  startDocumentsStack,
  uniqueWord,
  uploadOk,
  waitForStatus,
  type DocumentsStack,
  type TestUser,
  type Worker,
} from "../support/documents";
import { queryOnce } from "../support/test-database";

// Two worker processes on one database share the ingestion queue: every
// document is ingested exactly once, whichever worker took the upload and
// whichever took the job; and a worker SIGKILLed in the middle of a job
// loses nothing: its job is taken up by the other once its heartbeat lapses,
// and the document ends ready with each chunk stored once.

const databaseUrl = process.env.DATABASE_URL!;

let stack: DocumentsStack;
let user: TestUser;

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "documents-scale-out", count: 2 });
  user = await signedInUser("scale");
});

afterAll(async () => {
  await stack?.stop();
});

interface Landing {
  chunks: number;
  distinctOrdinals: number;
  minOrdinal: number | null;
  maxOrdinal: number | null;
  attempts: number;
  jobs: { state: string; retry_count: number }[];
}

/** How a document landed: its chunks (each once, ordinals 0…n-1), its attempts and its ingestion jobs. */
async function landing(id: string): Promise<Landing> {
  const [chunks] = await queryOnce<{ chunks: number; distinct: number; min: number | null; max: number | null; attempts: number }>(
    databaseUrl,
    `SELECT (SELECT count(*)::int FROM "document_chunk" WHERE "documentId" = $1) AS chunks,
            (SELECT count(DISTINCT "ordinal")::int FROM "document_chunk" WHERE "documentId" = $1) AS distinct,
            (SELECT min("ordinal") FROM "document_chunk" WHERE "documentId" = $1) AS min,
            (SELECT max("ordinal") FROM "document_chunk" WHERE "documentId" = $1) AS max,
            (SELECT "attempts" FROM "document" WHERE "id" = $1) AS attempts`,
    [id],
  );
  const jobs = await queryOnce<{ state: string; retry_count: number }>(
    databaseUrl,
    `SELECT state::text, retry_count FROM pgboss.job WHERE name = 'document.ingest' AND data->>'documentId' = $1`,
    [id],
  );
  return {
    chunks: chunks!.chunks,
    distinctOrdinals: chunks!.distinct,
    minOrdinal: chunks!.min,
    maxOrdinal: chunks!.max,
    attempts: chunks!.attempts,
    jobs,
  };
}

/** Each chunk once: as many as chunkCount says, ordinals 0 … chunkCount − 1 with none twice. */
function expectEachChunkOnce(document: DocumentSummary, landed: Landing) {
  expect(document.chunkCount).toBeGreaterThan(0);
  expect(landed).toMatchObject({
    chunks: document.chunkCount,
    distinctOrdinals: document.chunkCount,
    minOrdinal: 0,
    maxOrdinal: document.chunkCount - 1,
  });
}

/** Ingestions a worker's log says it finished ("document ready" lines). */
async function readyLines(worker: Worker): Promise<string[]> {
  return (await worker.logs())
    .split("\n")
    .filter((line) => line.includes('"document ready"'))
    .map((line) => (JSON.parse(line) as { documentId: string }).documentId);
}

describe("two workers, one queue", () => {
  it("12 documents of every kind, uploaded to both: each ready exactly once, by whichever worker", async () => {
    const words: string[] = [];
    const files: [string, string | Buffer][] = [];
    for (let i = 0; i < 12; i++) {
      const word = uniqueWord(`zqscale${i}x`);
      words.push(word);
      const body = prose(4_000 + i * 3_000, [word]);
      switch (i % 6) {
        case 0:
          files.push([`doc-${i}.txt`, body]);
          break;
        case 1:
          files.push([`doc-${i}.md`, `# Heading ${i}\n\n${body}\n\n## Second\n\n- a point\n- another\n`]);
          break;
        case 2:
          files.push([`doc-${i}.html`, `<!doctype html><html><body><h1>Page ${i}</h1><p>${body}</p><h2>More</h2><p>${prose(2_000)}</p></body></html>`]);
          break;
        case 3:
          files.push([`doc-${i}.pdf`, prosePdf(4 + i, [word])]);
          break;
        case 4:
          files.push([`doc-${i}.docx`, fixture("sample.docx")]);
          words[i] = "";
          break;
        default:
          files.push([`doc-${i}.txt`, `${body}\n\n${prose(20_000)}`]);
      }
    }
    const started = performance.now();
    const uploaded = await Promise.all(files.map(([name, body], i) => uploadOk(stack.workers[i % 2]!, user.token, name, body)));
    const settled = await Promise.all(uploaded.map((document, i) => waitForStatus(stack.workers[(i + 1) % 2]!, user.token, document.id)));
    console.log(`12 documents ingested by two workers in ${Math.round(performance.now() - started)} ms`);

    for (const [i, document] of settled.entries()) {
      expect(document, files[i]![0]).toMatchObject({ status: "ready", failureReason: null });
      const landed = await landing(document.id);
      expectEachChunkOnce(document, landed);
      expect(landed.attempts, files[i]![0]).toBe(1);
      expect(landed.jobs, files[i]![0]).toEqual([{ state: "completed", retry_count: 0 }]);
      if (words[i]) expect((await search(stack.worker, user.token, words[i])).map((hit) => hit.documentId)).toEqual([document.id]);
    }
    // Both took jobs, and between them each document once.
    const byWorker = await Promise.all(stack.workers.map(readyLines));
    const ids = new Set(uploaded.map((document) => document.id));
    const mine = byWorker.map((lines) => lines.filter((id) => ids.has(id)));
    console.log(`ingested per worker: ${mine.map((lines) => lines.length).join(" + ")}`);
    expect(mine.flat().sort()).toEqual([...ids].sort());
    for (const lines of mine) expect(lines.length).toBeGreaterThan(0);
  }, 90_000);

  it("a worker SIGKILLed mid-ingestion: the other takes the job up, the document ends ready with each chunk once", async () => {
    const [first, second] = stack.workers as [Worker, Worker];
    // Only `first` takes jobs while the large document is uploaded, so that
    // it is the one holding it; `second` comes back while it works.
    await second.stop();
    const word = uniqueWord("zqkilled");
    const large = prosePdf(1_200, [word]);
    const document = await uploadOk(first, user.token, "large.pdf", large);
    const working = await waitForStatus(first, user.token, document.id, { until: ["extracting", "indexing", "ready", "failed"], everyMs: 50 });
    expect(working.status, "the large document was ingested before the kill: make it larger").toMatch(/extracting|indexing/);
    await second.start();
    const before = await getDocument(second, user.token, document.id);
    expect(before.status, "the large document was ingested before the kill: make it larger").toMatch(/extracting|indexing/);

    await first.kill();
    const killedAt = performance.now();
    const retried = await waitForStatus(second, user.token, document.id, { until: ["ready", "failed"], timeoutMs: 120_000, everyMs: 250 });
    const retryMs = performance.now() - killedAt;
    console.log(`SIGKILL → ready on the other worker: ${(retryMs / 1000).toFixed(1)} s (was ${before.status} at ${before.progress}%)`);

    expect(retried).toMatchObject({ status: "ready", failureReason: null, pages: 1_200 });
    const landed = await landing(document.id);
    expectEachChunkOnce(retried, landed);
    expect(landed.attempts).toBe(2);
    expect(landed.jobs).toEqual([{ state: "completed", retry_count: 1 }]);
    expect(await readyLines(second)).toContain(document.id);
    expect((await search(second, user.token, word)).map((hit) => hit.documentId)).toEqual([document.id]);
    // The killed worker comes back and finds nothing left to do.
    await first.start();
    expect(await getDocument(first, user.token, document.id)).toMatchObject({ status: "ready", chunkCount: retried.chunkCount });
  }, 180_000);
});
