/**
 * Documents, as the integration tests drive them from outside: real worker
 * processes from source (sourceWorker) on the run's migrated database, users
 * signed up through the web tier's Better Auth with a worker token minted by
 * the exchange, uploads over plain HTTP, the documents procedures as plain
 * JSON tRPC calls (the worker has no transformer), and the files they send.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { sql } from "kysely";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import type { WorkerDb } from "~/worker/db";
import type { DocumentStatus, DocumentSummary } from "~/contract/document-summary";
import { MARK_CHANGED } from "~/worker/documents/repository";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePorts } from "../../tooling/child-service";
import { sourceWorker } from "./source-worker";
import { queryOnce } from "./test-database";
import { TestBrowser, uniqueEmail } from "./test-browser";

// ---------------------------------------------------------------- rows written straight in the database

/** A "user" row straight in the database (for the document's foreign key), as the owner login. */
export async function insertUser(databaseUrl: string): Promise<string> {
  const id = `user-${randomUUID()}`;
  await queryOnce(databaseUrl, `INSERT INTO "user" ("id", "name", "email") VALUES ($1, 'Feed Tester', $2)`, [
    id,
    `${id}@example.test`,
  ]);
  return id;
}

/** A queued document of `userId`, written as the worker writes (asWorker); returns its id and changeSeq. */
export async function insertDocument(
  db: WorkerDb,
  userId: string,
  name = "notes.md",
): Promise<{ id: string; changeSeq: string }> {
  const id = `doc-${randomUUID()}`;
  const { changeSeq } = await db.asWorker((tx) =>
    tx
      .insertInto("document")
      .values({
        id,
        userId,
        name,
        kind: "markdown",
        mimeType: "text/markdown",
        sizeBytes: 10,
        sha256: "0".repeat(64),
        updatedAt: sql<Date>`clock_timestamp()`,
      })
      .returning("changeSeq")
      .executeTakeFirstOrThrow(),
  );
  return { id, changeSeq };
}

/** The SET list the ingestion writes on every change: a new changeSeq and "updatedAt". */
export const TOUCH = `"changeSeq" = nextval(pg_get_serial_sequence('document', 'changeSeq')), "updatedAt" = clock_timestamp()`;

/** Moves a document's progress, as ingestion does; returns the new changeSeq. */
export async function setProgress(db: WorkerDb, id: string, progress: number): Promise<string> {
  const { changeSeq } = await db.asWorker((tx) =>
    tx
      .updateTable("document")
      .set({ progress, ...MARK_CHANGED })
      .where("id", "=", id)
      .returning("changeSeq")
      .executeTakeFirstOrThrow(),
  );
  return changeSeq;
}

// ---------------------------------------------------------------- workers, users and calls

export type Worker = ReturnType<typeof sourceWorker>;

export interface DocumentsStack {
  workers: Worker[];
  /** The first worker. */
  worker: Worker;
  /**
   * Starts one more worker on the same database with the stack's environment
   * (plus `env`); `inspect`: with the V8 inspector open on a port of its own.
   */
  addWorker(name: string, env?: Record<string, string>, options?: { inspect?: boolean }): Promise<Worker>;
  stop(): Promise<void>;
}

/**
 * `count` workers named `name-1`, `name-2`, … on the run's database (where
 * they read the web tier's public keys too), logging at info (their logs are in test-results/integration/).
 * `env` adds to or overrides the workers' environment (limits, a login of
 * their own); the workers are started but not their ports reused.
 */
export async function startDocumentsStack({
  name,
  count = 1,
  env = {},
}: {
  name: string;
  count?: number;
  env?: Record<string, string>;
}): Promise<DocumentsStack> {
  const workers: Worker[] = [];
  const workerEnv = {
    BETTER_AUTH_URL: process.env.BETTER_AUTH_URL!,
    WORKER_DATABASE_URL: process.env.DATABASE_URL!,
    LOG_LEVEL: "info",
    ...env,
  };
  const addWorker = async (workerName: string, extra: Record<string, string> = {}, { inspect = false } = {}) => {
    for (let attempt = 1; ; attempt++) {
      const [port, inspectPort] = await freePorts(inspect ? 2 : 1);
      const worker = sourceWorker({ name: workerName, port: port!, env: { ...workerEnv, ...extra }, inspectPort });
      try {
        await worker.start();
        workers.push(worker);
        return worker;
      } catch (error) {
        // The port freePorts found may have been taken by another file's process before this one bound it.
        await worker.stop();
        if (attempt === 2) throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: count }, (_, index) => addWorker(`${name}-${index + 1}`)));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.stop()));
    throw error;
  }
  return {
    workers,
    worker: workers[0]!,
    addWorker,
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}

export interface TestUser {
  userId: string;
  sessionId: string;
  email: string;
  /** A worker token for the user's session (15 minutes). */
  token: string;
  /** The browser signed in as the user: its cookies are the session's. */
  browser: TestBrowser;
}

/** A new user, signed up through the web tier, with a worker token from the exchange. */
export async function signedInUser(label = "docs"): Promise<TestUser> {
  const browser = new TestBrowser();
  await browser.signUp({ email: uniqueEmail(label), name: "Document Tester" });
  return signedInAs(browser);
}

/** The user `browser` is signed in as, with a worker token from the exchange for that session. */
export async function signedInAs(browser: TestBrowser): Promise<TestUser> {
  const api = createCaller(await createTRPCContext({ headers: browser.headers() }));
  const { session, user } = await api.session.me();
  const { token } = await api.auth.workerToken();
  return { userId: user.id, sessionId: session.id, email: user.email, token, browser };
}

/** A refusal of the worker's plain HTTP routes (http-answers.ts). */
export interface RefusalBody {
  error: { code: string; message: string; reason: string | null };
}

export interface UploadResult {
  status: number;
  document?: DocumentSummary;
  error?: RefusalBody["error"];
  headers: Headers;
}

/** POST /documents: `body` as the file, `name` percent-encoded in x-file-name. */
export async function upload(
  worker: { url: string },
  token: string,
  name: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<UploadResult> {
  // A worker just started connects its job queue in the background and
  // refuses uploads with 503 until it has (jobs/connecting-queue.ts); one
  // taking all the uploads it can answers 503 "busy" (documents/upload.ts).
  // Both are sent again, as the browser does.
  for (let waited = 0; ; waited += 250) {
    const result = await uploadOnce(worker, token, name, body, headers);
    const retry =
      result.status === 503 &&
      (result.error?.reason === "busy" || (result.error?.message ?? "").includes("queue is not connected"));
    if (!retry || waited >= 15_000) return result;
    await sleep(250);
  }
}

async function uploadOnce(
  worker: { url: string },
  token: string,
  name: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<UploadResult> {
  const response = await fetch(`${worker.url}/documents`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "x-file-name": encodeURIComponent(name),
      "content-type": "application/octet-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as { document?: DocumentSummary; error?: RefusalBody["error"] }) : {};
  return { status: response.status, document: json.document, error: json.error, headers: response.headers };
}

/** An upload that must be accepted (201): its document. */
export async function uploadOk(
  worker: { url: string },
  token: string,
  name: string,
  body: Uint8Array | string,
): Promise<DocumentSummary> {
  const result = await upload(worker, token, name, body);
  if (result.status !== 201 || !result.document) {
    throw new Error(`upload of ${name} answered ${result.status}: ${JSON.stringify(result.error)}`);
  }
  return result.document;
}

/** What a tRPC call answered: the data, or the error's code (NOT_FOUND, …), message and HTTP status. */
export type CallResult<T> =
  { ok: true; status: number; data: T } | { ok: false; status: number; code: string; message: string };

/** One documents procedure over plain JSON tRPC: a query (GET) or a mutation (POST). */
export async function call<T = unknown>(
  worker: { url: string },
  token: string,
  procedure: string,
  input?: unknown,
  type: "query" | "mutation" = "query",
): Promise<CallResult<T>> {
  const url = new URL(`${worker.url}/trpc/${procedure}`);
  if (type === "query" && input !== undefined) url.searchParams.set("input", JSON.stringify(input));
  const response = await fetch(url, {
    method: type === "query" ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(type === "mutation" && { body: JSON.stringify(input ?? null) }),
  });
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string; data: { code: string } } };
  if (body.error)
    return { ok: false, status: response.status, code: body.error.data.code, message: body.error.message };
  return { ok: true, status: response.status, data: body.result!.data };
}

/** The data of a call that must succeed. */
export async function callOk<T = unknown>(
  worker: { url: string },
  token: string,
  procedure: string,
  input?: unknown,
  type?: "query" | "mutation",
): Promise<T> {
  const result = await call<T>(worker, token, procedure, input, type);
  if (!result.ok) throw new Error(`${procedure} failed: ${result.status} ${result.code} ${result.message}`);
  return result.data;
}

export const getDocument = (worker: { url: string }, token: string, id: string) =>
  callOk<DocumentSummary>(worker, token, "documents.get", { id });

/** A search hit as documents.search answers (search.ts). */
export interface Hit {
  documentId: string;
  ordinal: number;
  snippet: { text: string; match: boolean }[];
}

export async function search(
  worker: { url: string },
  token: string,
  query: string,
  documentId?: string,
): Promise<Hit[]> {
  const { hits } = await callOk<{ hits: Hit[] }>(worker, token, "documents.search", {
    query,
    ...(documentId && { documentId }),
  });
  return hits;
}

const SETTLED: DocumentStatus[] = ["ready", "failed"];

/**
 * Polls documents.get until the document's status is one of `until` (ready
 * or failed by default) and returns it; throws with the last status seen.
 */
export async function waitForStatus(
  worker: { url: string },
  token: string,
  id: string,
  {
    until = SETTLED,
    timeoutMs = 30_000,
    everyMs = 100,
  }: { until?: DocumentStatus[]; timeoutMs?: number; everyMs?: number } = {},
): Promise<DocumentSummary> {
  const deadline = performance.now() + timeoutMs;
  let last: DocumentSummary | undefined;
  for (;;) {
    last = await getDocument(worker, token, id);
    if (until.includes(last.status)) return last;
    if (performance.now() > deadline) {
      throw new Error(
        `document ${id} still ${last.status} (${last.progress}%) after ${timeoutMs} ms, waiting for ${until.join(" or ")}`,
      );
    }
    await sleep(everyMs);
  }
}

/** Uploads and waits until the document is ready (throws if it fails instead). */
export async function ingested(
  worker: { url: string },
  token: string,
  name: string,
  body: Uint8Array | string,
  timeoutMs = 30_000,
) {
  const uploaded = await uploadOk(worker, token, name, body);
  const settled = await waitForStatus(worker, token, uploaded.id, { timeoutMs });
  if (settled.status !== "ready") throw new Error(`${name} failed: ${settled.failureReason}`);
  return settled;
}

/** GET /documents/<id>/original: the status and the bytes. */
export async function download(
  worker: { url: string },
  token: string,
  id: string,
): Promise<{ status: number; bytes: Buffer; body: string }> {
  const response = await fetch(`${worker.url}/documents/${encodeURIComponent(id)}/original`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes, body: bytes.toString("utf8") };
}

/**
 * documents.events over SSE for `forMs`: the raw stream text and the
 * documents its data lines carried. `lastEventId` re-reads what changed since.
 */
export async function readEvents(
  worker: { url: string },
  token: string,
  { lastEventId, forMs = 1_500 }: { lastEventId?: string; forMs?: number } = {},
): Promise<{ status: number; text: string; documents: DocumentSummary[] }> {
  const url = new URL(`${worker.url}/trpc/documents.events`);
  url.searchParams.set("input", JSON.stringify(lastEventId === undefined ? {} : { lastEventId }));
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  let text = "";
  const timer = setTimeout(() => controller.abort(), forMs);
  try {
    const decoder = new TextDecoder();
    for await (const chunk of response.body! as AsyncIterable<Uint8Array>)
      text += decoder.decode(chunk, { stream: true });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  const documents: DocumentSummary[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    try {
      const data = JSON.parse(line.slice(5)) as unknown;
      // tracked events carry the summary itself (or wrapped by tRPC's SSE envelope)
      const candidate = (data as { data?: unknown })?.data ?? data;
      if (candidate && typeof candidate === "object" && "id" in candidate && "status" in candidate)
        documents.push(candidate as DocumentSummary);
    } catch {
      // pings and the like
    }
  }
  return { status: response.status, text, documents };
}

/**
 * A raw HTTP/1.1 upload on a socket of its own, for what fetch hides: a body
 * sent slowly or not at all, a Content-Length that lies, a client that goes
 * away mid-way. `send` writes the body; the promise resolves with what the
 * server answered (status line and body text, if any) and when the socket
 * closed, measured from the start.
 */
export interface RawExchange {
  status: number | null;
  response: string;
  /** ms from connect to the first byte of the answer (null: none came). */
  answeredAfterMs: number | null;
  /** ms from connect until the socket was closed (by either side). */
  closedAfterMs: number;
  /** Body bytes the client managed to write before the socket closed. */
  bytesWritten: number;
}

export async function rawUpload({
  worker,
  token,
  name,
  headers = {},
  body,
  timeoutMs = 15_000,
  requestId,
}: {
  worker: { url: string };
  token: string;
  name: string;
  headers?: Record<string, string>;
  /** Writes the body: gets a write function resolving when the socket drained (false once it is closed). */
  body: (write: (chunk: Buffer) => Promise<boolean>, socket: import("node:net").Socket) => Promise<void>;
  timeoutMs?: number;
  requestId?: string;
}): Promise<RawExchange> {
  const { hostname, port } = new URL(worker.url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const started = performance.now();
  let response = "";
  let answeredAfterMs: number | null = null;
  let closed = false;
  let bytesWritten = 0;
  socket.on("data", (data: Buffer) => {
    answeredAfterMs ??= performance.now() - started;
    response += data.toString("latin1");
  });
  socket.on("error", () => undefined);
  const closedAt = new Promise<number>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve(performance.now() - started);
    }),
  );
  const head = [
    `POST /documents HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    `Authorization: Bearer ${token}`,
    `X-File-Name: ${encodeURIComponent(name)}`,
    `Content-Type: application/octet-stream`,
    ...(requestId ? [`X-Request-Id: ${requestId}`] : []),
    ...Object.entries(headers).map(([key, value]) => `${key}: ${value}`),
    "",
    "",
  ].join("\r\n");
  socket.write(head);
  const write = async (chunk: Buffer) => {
    if (closed || socket.destroyed) return false;
    const flushed = socket.write(chunk);
    bytesWritten += chunk.length;
    if (!flushed) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closedAt, sleep(1_000)]);
    return !closed && !socket.destroyed;
  };
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  try {
    await body(write, socket);
    const closedAfterMs = await closedAt;
    const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1];
    return { status: status ? Number(status) : null, response, answeredAfterMs, closedAfterMs, bytesWritten };
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** The body of a raw exchange's answer, parsed as JSON (chunked or not). */
export function rawJson(exchange: RawExchange): RefusalBody | undefined {
  const start = exchange.response.indexOf("{");
  const end = exchange.response.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  return JSON.parse(exchange.response.slice(start, end + 1)) as RefusalBody;
}

// ---------------------------------------------------------------- files

/** The extraction's committed fixtures (src/worker/documents/extract/fixtures). */
export function fixture(name: string): Buffer {
  return readFileSync(path.join(PROJECT_ROOT, "src/worker/documents/extract/fixtures", name));
}

/** A word no dictionary and no other test has: letters only, so every text-search configuration keeps it whole. */
export function uniqueWord(prefix = "zq"): string {
  return prefix + [...randomBytes(8)].map((byte) => String.fromCharCode(97 + (byte % 26))).join("");
}

/** Plain text of about `bytes` bytes: sentences of common words, with `words` mixed in. */
export function prose(bytes: number, words: string[] = []): string {
  const vocabulary = [
    "river",
    "mountain",
    "ledger",
    "invoice",
    "garden",
    "lantern",
    "harbour",
    "meadow",
    "copper",
    "window",
    "signal",
    "orchard",
  ];
  const parts: string[] = [...words.map((word) => `This paragraph mentions ${word}.`)];
  let size = parts.join(" ").length;
  let i = 0;
  while (size < bytes) {
    const sentence = `The ${vocabulary[i % 12]} near the ${vocabulary[(i * 7 + 3) % 12]} keeps ${vocabulary[(i * 5 + 1) % 12]} number ${i}.`;
    parts.push(i % 8 === 7 ? `${sentence}\n\n` : sentence);
    size += sentence.length + 1;
    i++;
  }
  return parts.join(" ");
}

/**
 * A real PDF (1.4, uncompressed, Helvetica), one page per entry of `pages`,
 * each page its lines of text: what pdf.js extracts is exactly these lines.
 */
export function makePdf(pages: string[][]): Buffer {
  const objects: string[] = [];
  // 1: catalog, 2: pages, 3: font, then a page and its content per page.
  const pageIds = pages.map((_, index) => 4 + index * 2);
  objects[1] = `<< /Type /Catalog /Pages 2 0 R >>`;
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`;
  objects[3] = `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>`;
  pages.forEach((lines, index) => {
    const escape = (line: string) => line.replace(/[\\()]/g, (c) => `\\${c}`);
    const content = `BT /F1 10 Tf 12 TL 40 800 Td ${lines.map((line) => `(${escape(line)}) Tj T*`).join(" ")} ET`;
    objects[pageIds[index]!] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[index]! + 1} 0 R >>`;
    objects[pageIds[index]! + 1] =
      `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`;
  });
  let pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(pdf, "latin1");
    pdf += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(pdf, "latin1");
  pdf += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) pdf += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

/** A PDF of `pageCount` pages of prose (about 40 lines each), with `words` on the first page. */
export function prosePdf(pageCount: number, words: string[] = []): Buffer {
  const text = prose(pageCount * 40 * 70, words);
  const lines = text.replace(/\n+/g, " ").match(/.{1,70}(\s|$)/g) ?? [];
  const pages: string[][] = [];
  for (let i = 0; i < pageCount; i++) pages.push(lines.slice(i * 40, (i + 1) * 40).map((line) => line.trim()));
  return makePdf(pages);
}
