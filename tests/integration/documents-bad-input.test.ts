import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { deflatedZeros, wordDocumentOfTinyParagraphs, zip } from "../support/worker/zip-writer";
import type { DocumentSummary } from "~/contract/document-summary";
import { NOT_RETRYABLE_MESSAGE } from "~/worker/documents/failure";
import {
  call,
  download,
  fixture,
  getDocument,
  ingested,
  prose,
  rawJson,
  rawUpload,
  search,
  signedInUser,
  startDocumentsStack,
  uniqueWord,
  upload,
  waitForStatus,
  type DocumentsStack,
  type RawExchange,
  type TestUser,
  type UploadResult,
} from "../support/documents";
import { queryOnce } from "../support/test-database";

// Every kind of file a user should not be able to hurt the service with.
// Each ends in something the uploader can act on: a refusal whose message
// says what to do, or a document that failed with such a reason. After each,
// the worker is still up (the same user's next upload becomes ready) and
// what was stored before is untouched (a bystander's document, checked byte
// for byte).

const MAX_UPLOAD_MB = 1.5;
const MAX_DOCUMENTS = 50;
const MAX_STORAGE_MB = 1.2;
/** Each extraction thread's heap: a fourth of the default, so a small upload can need more. */
const EXTRACT_MEMORY_MB = 128;

let stack: DocumentsStack;
let bystander: TestUser;
let kept: DocumentSummary;
const keptWord = uniqueWord("zqkept");
const keptBody = prose(20_000, [keptWord]);

beforeAll(async () => {
  stack = await startDocumentsStack({
    name: "documents-bad-input",
    env: {
      WORKER_MAX_UPLOAD_MB: String(MAX_UPLOAD_MB),
      WORKER_MAX_DOCUMENTS_PER_USER: String(MAX_DOCUMENTS),
      WORKER_MAX_STORAGE_MB_PER_USER: String(MAX_STORAGE_MB),
      WORKER_EXTRACT_MEMORY_MB: String(EXTRACT_MEMORY_MB),
    },
  });
  bystander = await signedInUser("bystander");
  kept = await ingested(stack.worker, bystander.token, "kept.txt", keptBody);
});

afterAll(async () => {
  await stack?.stop();
});

// While each test runs, the bystander keeps reading their document every
// 200 ms: the worker must keep answering other users, not only survive.
let probe: ReturnType<typeof watchAvailability> | undefined;
beforeEach(() => {
  probe = kept && watchAvailability();
});
afterEach(async () => {
  const seen = await probe?.stop();
  probe = undefined;
  if (!seen) return;
  expect(seen.failures, `the bystander's calls while this test ran (slowest ${Math.round(seen.slowestMs)} ms)`).toEqual(
    [],
  );
});

/** Calls documents.get for the bystander in a loop until stop(); what did not answer 200, and the slowest answer. */
function watchAvailability() {
  let running = true;
  const failures: string[] = [];
  let slowestMs = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const answer = await call(stack.worker, bystander.token, "documents.get", { id: kept.id });
        if (!answer.ok) failures.push(`${answer.status} ${answer.message}`);
      } catch (error) {
        failures.push(String(error));
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await sleep(200);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return {
        failures: [...new Set(failures)].map(
          (failure) => `${failures.filter((f) => f === failure).length}× ${failure}`,
        ),
        slowestMs,
      };
    },
  };
}

/** The worker is up, `user`'s next ordinary upload becomes ready and searchable, and the bystander's document is as it was. */
async function stillFine(user: TestUser) {
  expect(stack.worker.running).toBe(true);
  const word = uniqueWord("zqnext");
  const next = await ingested(stack.worker, user.token, "afterwards.txt", `Business as usual: ${word}.`);
  expect((await search(stack.worker, user.token, word)).map((hit) => hit.documentId)).toEqual([next.id]);
  expect(await getDocument(stack.worker, bystander.token, kept.id)).toMatchObject({
    status: "ready",
    chunkCount: kept.chunkCount,
    changeSeq: kept.changeSeq,
  });
  expect((await download(stack.worker, bystander.token, kept.id)).body).toBe(keptBody);
  expect((await search(stack.worker, bystander.token, keptWord)).map((hit) => hit.documentId)).toEqual([kept.id]);
}

/** A sentence a person can act on: more than a code, no stack trace, no internals. */
function expectHumanReason(text: string | null | undefined, pattern: RegExp) {
  expect(text).toMatch(pattern);
  expect(text!.length).toBeGreaterThan(10);
  expect(text).not.toMatch(/\bat \S+ \(|Error:|undefined|\[object|node_modules|SQL|constraint/);
}

/** A refusal: the status, a reason code, a message matching `pattern`; nothing stored for the user. */
async function expectRefused(user: TestUser, result: UploadResult, status: number, pattern: RegExp) {
  expect(result.status, JSON.stringify(result.error)).toBe(status);
  expect(result.error?.reason).toEqual(expect.any(String));
  expectHumanReason(result.error?.message, pattern);
  expect(await documentsOf(user)).toEqual([]);
}

/** Uploads `body`, waits for it to settle, and expects it failed with a reason matching `pattern` and nothing indexed. */
async function expectFailed(
  user: TestUser,
  name: string,
  body: Uint8Array | string,
  pattern: RegExp,
  timeoutMs = 30_000,
) {
  const result = await upload(stack.worker, user.token, name, body);
  expect(result.status, JSON.stringify(result.error)).toBe(201);
  const settled = await waitForStatus(stack.worker, user.token, result.document!.id, { timeoutMs });
  // A failure of the file itself: a retry would read the same bytes, so none is offered, and one asked for is refused.
  expect(settled).toMatchObject({ status: "failed", chunkCount: 0, retryable: false });
  expectHumanReason(settled.failureReason, pattern);
  expect(await chunkCount(settled.id)).toBe(0);
  expect(await call(stack.worker, user.token, "documents.retry", { id: settled.id }, "mutation")).toMatchObject({
    ok: false,
    status: 400,
    code: "BAD_REQUEST",
    message: NOT_RETRYABLE_MESSAGE,
  });
  expect(await getDocument(stack.worker, user.token, settled.id)).toMatchObject({
    status: "failed",
    changeSeq: settled.changeSeq,
  });
  return settled;
}

/** Either is an answer a person can act on: refused at upload, or failed with a reason. */
async function expectRefusedOrFailed(
  user: TestUser,
  name: string,
  body: Uint8Array | string,
  status: number,
  pattern: RegExp,
) {
  const result = await upload(stack.worker, user.token, name, body);
  if (result.status === 201) {
    const settled = await waitForStatus(stack.worker, user.token, result.document!.id);
    expect(settled).toMatchObject({ status: "failed", retryable: false });
    expectHumanReason(settled.failureReason, pattern);
    return;
  }
  await expectRefused(user, result, status, pattern);
}

async function documentsOf(user: TestUser): Promise<DocumentSummary[]> {
  const list = await call<DocumentSummary[]>(stack.worker, user.token, "documents.list");
  if (!list.ok) throw new Error(`documents.list: ${list.code}`);
  return list.data;
}

async function chunkCount(documentId: string): Promise<number> {
  const [row] = await queryOnce<{ n: number }>(
    process.env.DATABASE_URL!,
    `SELECT count(*)::int AS n FROM "document_chunk" WHERE "documentId" = $1`,
    [documentId],
  );
  return row!.n;
}

async function storedDocuments(userId: string): Promise<{ n: number; bytes: number }> {
  const [row] = await queryOnce<{ n: number; bytes: string | null }>(
    process.env.DATABASE_URL!,
    `SELECT count(*)::int AS n, sum("sizeBytes")::bigint AS bytes FROM "document" WHERE "userId" = $1`,
    [userId],
  );
  return { n: row!.n, bytes: Number(row!.bytes ?? 0) };
}

/** A Word document's skeleton around `documentXml`: what detection and the ZIP guard see first. */
const CONTENT_TYPES = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="xml" ContentType="application/xml"/>` +
    `<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
);

describe("files that cannot be read end with a reason, and break nothing", () => {
  it("a corrupt PDF (a PDF header, then noise): failed, 'damaged'", async () => {
    const user = await signedInUser("corrupt");
    const noise = Buffer.alloc(50_000);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    await expectFailed(
      user,
      "corrupt.pdf",
      Buffer.concat([Buffer.from("%PDF-1.7\n"), noise]),
      /damaged|cannot be read/i,
    );
    await stillFine(user);
  });

  it("a truncated PDF (a real one cut in half): failed, 'damaged'", async () => {
    const user = await signedInUser("truncated");
    const whole = fixture("three-pages.pdf");
    await expectFailed(
      user,
      "truncated.pdf",
      whole.subarray(0, Math.floor(whole.length / 2)),
      /damaged|cannot be read/i,
    );
    await stillFine(user);
  });

  it("a password-protected PDF: failed, says to remove the password", async () => {
    const user = await signedInUser("password");
    await expectFailed(user, "locked.pdf", fixture("password.pdf"), /password/i);
    await stillFine(user);
  });

  it("an image-only PDF (a scan): no longer refused, read by OCR", async () => {
    const user = await signedInUser("scan");
    const uploaded = await upload(stack.worker, user.token, "scan.pdf", fixture("image-only.pdf"));
    const settled = await waitForStatus(stack.worker, user.token, uploaded.document!.id, { timeoutMs: 120_000 });
    expect(settled).toMatchObject({ status: "ready", ocr: { pages: 1 } });
    await stillFine(user);
  }, 180_000);

  it("a DOCX zip bomb (1 GiB of zeros in 1 MB, its declared size a lie): failed, 'too large', quickly", async () => {
    const user = await signedInUser("bomb");
    const bomb = zip([
      { name: "[Content_Types].xml", data: CONTENT_TYPES },
      { name: "word/document.xml", deflated: deflatedZeros(1024), declaredSize: 4_096 },
    ]);
    expect(bomb.length).toBeLessThan(MAX_UPLOAD_MB * 1_000_000);
    const started = performance.now();
    await expectFailed(user, "bomb.docx", bomb, /too large|expands/i);
    // Stopped at the cap, not after inflating the gigabyte.
    expect(performance.now() - started).toBeLessThan(20_000);
    await stillFine(user);
  });

  it(`a DOCX under every cap whose reading needs more than a thread's ${EXTRACT_MEMORY_MB} MB heap: failed, 'too large or too complex', the worker up`, async () => {
    const user = await signedInUser("heap");
    // 60 KB expanding to 20 MB of tiny paragraphs: within the ZIP guard's 100 MB, but mammoth's tree of it is not within 128 MB.
    const heavy = wordDocumentOfTinyParagraphs(20, CONTENT_TYPES);
    expect(heavy.length).toBeLessThan(MAX_UPLOAD_MB * 1_000_000);
    await expectFailed(
      user,
      "heavy.docx",
      heavy,
      /more memory than one document may take.*too large or too complex/i,
      120_000,
    );
    await stillFine(user);
  }, 180_000);

  it('a "DOCX" that is not a ZIP: refused (or failed) saying it is not a Word document', async () => {
    const user = await signedInUser("notzip");
    await expectRefusedOrFailed(user, "report.docx", prose(3_000), 415, /Word|\.docx/);
    await stillFine(user);
  });

  it("an executable named .pdf: refused, says what it is", async () => {
    const user = await signedInUser("exe");
    // The first 64 KiB of the Node binary running this test: a real ELF executable.
    const { openSync, readSync, closeSync } = await import("node:fs");
    const fd = openSync(process.execPath, "r");
    const head = Buffer.alloc(64 * 1024);
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    await expectRefused(
      user,
      await upload(stack.worker, user.token, "invoice.pdf", head),
      415,
      /executable|not a PDF/i,
    );
    await stillFine(user);
  });

  it("an empty file: refused, 'empty'", async () => {
    const user = await signedInUser("empty");
    const result = await upload(stack.worker, user.token, "empty.txt", new Uint8Array(0));
    expect([400, 415]).toContain(result.status);
    await expectRefused(user, result, result.status, /empty/i);
    await stillFine(user);
  });

  it("HTML with scripts and event handlers: ready, and none of their code is indexed or shown", async () => {
    const user = await signedInUser("html");
    const visible = uniqueWord("zqvisible");
    const code = ["scriptbody", "alertpayload", "onloadword", "onerrorword", "hrefword", "clickword", "styleword"].map(
      (word) => uniqueWord(`zq${word}`),
    );
    const [scriptBody, alertPayload, onload, onerror, href, click, style] = code;
    const html = `<!doctype html><html><head><title>Handlers</title>
<script>var secret = "${scriptBody}"; alert("${alertPayload}");</script><style>.${style} { color: red }</style></head>
<body onload="alert('${onload}')"><h1>A page with code in it</h1>
<p>The visible paragraph is about ${visible} and nothing else.</p>
<img src="x" onerror="alert('${onerror}')"><a href="javascript:alert('${href}')" onclick="${click}()">a link</a>
<script type="module">document.body.innerHTML = "<b>alert</b>";</script></body></html>`;
    const result = await upload(stack.worker, user.token, "handlers.html", html);
    expect(result.status).toBe(201);
    const document = await waitForStatus(stack.worker, user.token, result.document!.id);
    expect(document).toMatchObject({ status: "ready", kind: "html" });

    const hits = await search(stack.worker, user.token, visible);
    expect(hits.map((hit) => hit.documentId)).toEqual([document.id]);
    const snippet = hits.flatMap((hit) => hit.snippet.map((segment) => segment.text)).join("");
    expect(snippet).toContain(visible);
    expect(snippet).not.toMatch(/<script|onerror|onload|javascript:/i);
    for (const word of ["alert", "innerHTML", "script", ...code])
      expect(await search(stack.worker, user.token, word), word).toEqual([]);
    const [stored] = await queryOnce<{ content: string }>(
      process.env.DATABASE_URL!,
      `SELECT string_agg("content", ' ') AS content FROM "document_chunk" WHERE "documentId" = $1`,
      [document.id],
    );
    expect(stored!.content).toContain(visible);
    expect(stored!.content).not.toMatch(/<script|alert\(|onerror|onclick|javascript:/i);
    // The original is served as an attachment that no browser runs.
    const original = await fetch(`${stack.worker.url}/documents/${document.id}/original`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(original.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(original.headers.get("content-security-policy")).toContain("sandbox");
    expect(original.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await original.text()).toBe(html);
    await stillFine(user);
  });

  it("text that is not UTF-8 (Latin-1 bytes): refused or failed, saying to save it as UTF-8", async () => {
    const user = await signedInUser("latin1");
    const latin1 = Buffer.from("Crème brûlée, façade, naïve café au lait; Ærøskøbing. ".repeat(200), "latin1");
    expect(latin1.includes(0xe8)).toBe(true); // è as one byte: not UTF-8
    await expectRefusedOrFailed(user, "notes.txt", latin1, 415, /UTF-8/);
    await stillFine(user);
  });

  it("NUL bytes in text: ready and searchable, nothing replaced by U+FFFD", async () => {
    const user = await signedInUser("nul");
    const word = uniqueWord("zqnul");
    const text = prose(6_000, [word]);
    const withNuls = `${text.slice(0, 1_000)}\u0000${text.slice(1_000, 3_000)}\u0000\u0000${text.slice(3_000)}`;
    const document = await ingested(stack.worker, user.token, "nul.txt", withNuls);
    expect(document.chunkCount).toBeGreaterThan(0);
    expect((await search(stack.worker, user.token, word)).map((hit) => hit.documentId)).toEqual([document.id]);
    const [row] = await queryOnce<{ n: number }>(
      process.env.DATABASE_URL!,
      `SELECT count(*)::int AS n FROM "document_chunk" WHERE "documentId" = $1 AND position(chr(65533) in "content") > 0`,
      [document.id],
    );
    expect(row!.n).toBe(0);
    await stillFine(user);
  });

  it("a 1 MB single word: ready (or failed with a reason), within a minute, the worker up", async () => {
    const user = await signedInUser("word");
    const letters = Buffer.alloc(1_000_000);
    for (let i = 0; i < letters.length; i++) letters[i] = 97 + ((i * 31 + (i >> 7)) % 26);
    const result = await upload(stack.worker, user.token, "word.txt", letters);
    expect(result.status, JSON.stringify(result.error)).toBe(201);
    const settled = await waitForStatus(stack.worker, user.token, result.document!.id, { timeoutMs: 60_000 });
    if (settled.status === "failed") expectHumanReason(settled.failureReason, /./);
    else expect(await chunkCount(settled.id)).toBe(settled.chunkCount);
    await stillFine(user);
  }, 90_000);
});

describe("limits", () => {
  const over = 3_000_000;
  const piece = Buffer.alloc(64 * 1024, 0x61);

  /** Writes `total` bytes in 64 KiB pieces until the socket closes. */
  const send =
    (total: number, chunked = false) =>
    async (write: (chunk: Buffer) => Promise<boolean>) => {
      for (let sent = 0; sent < total; sent += piece.length) {
        const chunk = piece.subarray(0, Math.min(piece.length, total - sent));
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
          : chunk;
        if (!(await write(framed))) return;
      }
      if (chunked) await write(Buffer.from("0\r\n\r\n"));
    };

  function expectTooLarge(exchange: RawExchange) {
    expect(exchange.status, exchange.response.slice(0, 300)).toBe(413);
    const body = rawJson(exchange);
    expect(body?.error.reason).toBe("too_large");
    expectHumanReason(body?.error.message, new RegExp(`${MAX_UPLOAD_MB} MB`));
    expect(exchange.response).toMatch(/\r\nconnection: close\r\n/i);
  }

  it(`a ${over / 1e6} MB file that says so (Content-Length): 413 before the body is read, the connection closed`, async () => {
    const user = await signedInUser("toolarge");
    const exchange = await rawUpload({
      worker: stack.worker,
      token: user.token,
      name: "big.txt",
      headers: { "Content-Length": String(over) },
      body: send(over),
    });
    expectTooLarge(exchange);
    expect(exchange.answeredAfterMs).toBeLessThan(2_000);
    // Closed by the worker, not left for the client to finish sending 3 MB nobody reads.
    expect(exchange.closedAfterMs).toBeLessThan(5_000);
    expect(await storedDocuments(user.userId)).toEqual({ n: 0, bytes: 0 });
    await stillFine(user);
  });

  it(`a ${over / 1e6} MB file sent chunked (no length): 413 once it passes ${MAX_UPLOAD_MB} MB, the connection closed, nothing stored`, async () => {
    const user = await signedInUser("chunked");
    const exchange = await rawUpload({
      worker: stack.worker,
      token: user.token,
      name: "big.txt",
      headers: { "Transfer-Encoding": "chunked" },
      body: send(over, true),
    });
    expectTooLarge(exchange);
    expect(exchange.answeredAfterMs).toBeLessThan(5_000);
    expect(exchange.closedAfterMs - exchange.answeredAfterMs!).toBeLessThan(5_000);
    expect(await storedDocuments(user.userId)).toEqual({ n: 0, bytes: 0 });
    await stillFine(user);
  });

  it("a Content-Length that lies (says 1,000 bytes, sends 3 MB): at most the 1,000 declared bytes are stored, the rest refused, the connection closed", async () => {
    const user = await signedInUser("lying");
    const exchange = await rawUpload({
      worker: stack.worker,
      token: user.token,
      name: "lying.txt",
      headers: { "Content-Length": "1000" },
      body: send(over),
    });
    // Closed by the worker (the bytes after the declared 1,000 are no HTTP request), not left hanging.
    expect(exchange.closedAfterMs).toBeLessThan(10_000);
    expect(exchange.response).not.toMatch(/HTTP\/1\.1 5\d\d /);
    // The 1,000 declared bytes are a document, or nothing if the worker cut the connection first; never more.
    const stored = await storedDocuments(user.userId);
    expect([
      { n: 0, bytes: 0 },
      { n: 1, bytes: 1_000 },
    ]).toContainEqual(stored);
    await stillFine(user);
  });

  it("eight uploads held open by a slow client (more than the worker's pool has connections) lock no one else out", async () => {
    const slowpoke = await signedInUser("slow");
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const uploads = Array.from({ length: 8 }, (_, i) =>
      rawUpload({
        worker: stack.worker,
        token: slowpoke.token,
        name: `slow-${i}.txt`,
        headers: { "Content-Length": "1000000" },
        // 20 kB of a 1 MB file, then nothing more until the test ends: a phone on a bad network.
        body: async (write, socket) => {
          await write(Buffer.from(prose(20_000).slice(0, 20_000)));
          await released;
          socket.destroy();
        },
        timeoutMs: 30_000,
      }),
    );
    try {
      await sleep(1_500);
      // Meanwhile another user reads, and uploads.
      const started = performance.now();
      const list = await call(stack.worker, bystander.token, "documents.list");
      expect(list, "another user's documents.list while the slow uploads are open").toMatchObject({
        ok: true,
        status: 200,
      });
      expect(performance.now() - started).toBeLessThan(1_000);
      const meanwhile = await signedInUser("meanwhile");
      const other = await upload(stack.worker, meanwhile.token, "meanwhile.txt", "Uploaded while others crawl.");
      expect(other.status, JSON.stringify(other.error)).toBe(201);
      await sleep(1_000);
    } finally {
      release();
      await Promise.all(uploads);
      // Calls that were waiting for a connection give up after the pool's 2 s: let that pass before the next test.
      await sleep(2_500);
    }
    expect(await storedDocuments(slowpoke.userId)).toEqual({ n: 0, bytes: 0 });
  });

  it(`storage quota (${MAX_STORAGE_MB} MB): 403 quota_storage, declared or not, and what is stored stays`, async () => {
    const user = await signedInUser("storage");
    const file = (n: number) => Buffer.from(prose(450_000, [`file${n}`]).slice(0, 450_000));
    const first = await ingested(stack.worker, user.token, "one.txt", file(1));
    const second = await ingested(stack.worker, user.token, "two.txt", file(2));
    // Declared: refused before a byte is read.
    const declared = await upload(stack.worker, user.token, "three.txt", file(3));
    expect(declared.status).toBe(403);
    expect(declared.error?.reason).toBe("quota_storage");
    expectHumanReason(declared.error?.message, new RegExp(`${MAX_STORAGE_MB} MB`));
    // Chunked (no length): refused once it is read and counted, and rolled back.
    const chunked = await rawUpload({
      worker: stack.worker,
      token: user.token,
      name: "three.txt",
      headers: { "Transfer-Encoding": "chunked" },
      body: send(450_000, true),
    });
    expect(chunked.status, chunked.response.slice(0, 300)).toBe(403);
    expect(rawJson(chunked)?.error.reason).toBe("quota_storage");
    expect(await storedDocuments(user.userId)).toEqual({ n: 2, bytes: first.sizeBytes + second.sizeBytes });
    // Deleting makes room again.
    expect((await call(stack.worker, user.token, "documents.delete", { id: first.id }, "mutation")).ok).toBe(true);
    expect((await upload(stack.worker, user.token, "three.txt", file(3))).status).toBe(201);
    await stillFine(user);
  });
});

describe("many files", () => {
  const FILES = 300;
  // A browser's connections to one host.
  const CONCURRENCY = 6;

  it(`${FILES.toLocaleString("en")} tiny files from one user: exactly ${MAX_DOCUMENTS} stored, the rest refused with 403 quota_documents`, async () => {
    const user = await signedInUser("many");
    const statuses = new Map<string, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < FILES) {
          const n = next++;
          const result = await upload(stack.worker, user.token, `tiny-${n}.txt`, `Tiny file number ${n}.`);
          const key = result.status === 201 ? "201" : `${result.status} ${result.error?.reason}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
      }),
    );
    console.log(
      `${FILES} uploads, ${CONCURRENCY} at a time: ${Math.round(performance.now() - started)} ms`,
      Object.fromEntries(statuses),
    );
    expect(Object.fromEntries(statuses)).toEqual({
      "201": MAX_DOCUMENTS,
      "403 quota_documents": FILES - MAX_DOCUMENTS,
    });
    expect((await storedDocuments(user.userId)).n).toBe(MAX_DOCUMENTS);
    const refused = await upload(stack.worker, user.token, "one-more.txt", "One more.");
    expectHumanReason(refused.error?.message, /delete some/i);
    expect(stack.worker.running).toBe(true);
    // The accepted ones are being ingested (none refused after the fact); the bystander is untouched.
    expect((await documentsOf(user)).filter((document) => document.status === "failed")).toEqual([]);
    expect(await getDocument(stack.worker, bystander.token, kept.id)).toMatchObject({
      status: "ready",
      changeSeq: kept.changeSeq,
    });
  }, 120_000);
});
