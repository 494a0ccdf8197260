/**
 * Parity of the worker's hand-written tRPC adapter (trpc-http.ts, behind
 * createWorkerServer) with tRPC's own node:http adapter (`createHTTPHandler`):
 * the same router, context, token and body limit; every request is sent to
 * both and the answers' status, content type and JSON must be equal. Where the
 * worker deliberately answers otherwise, a test of its own says how, and
 * checks both sides, so a change on either side shows up here.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "~/worker/logger";
import { MAX_BATCH_CALLS, MAX_BODY_BYTES } from "~/contract/request-limits";
import { workerRouter } from "~/worker/router";
import { createWorkerServer, TRPC_PREFIX, type WorkerServer } from "~/worker/server";
import { ADA_CLAIMS, createTestSigner } from "../../tests/support/worker/token-signer";
import { createWorkerContext } from "~/worker/trpc";
import { createTokenVerifier } from "~/worker/verify";
import { noRevocations } from "../../tests/support/worker/no-revocations";

const ISSUER = "http://localhost:3000";
const KID = "web-key-1";
/** createTRPCNodeHandler's default, which createWorkerServer uses; given to tRPC's adapter as maxBodySize. */
const MAX_BODY = MAX_BODY_BYTES;

const signer = await createTestSigner({ issuer: ISSUER, kid: KID });
const verifier = createTokenVerifier({ issuer: ISSUER, jwks: signer.jwks });
const token = await signer.mint(ADA_CLAIMS);
// The same claims, six of the signature's characters changed (not the last,
// whose unused bits would make it non-canonical: malformed, not forged).
const forged = `${token.slice(0, -12)}${token.slice(-12, -6) === "AAAAAA" ? "BBBBBB" : "AAAAAA"}${token.slice(-6)}`;

const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, "content-type": "application/json" };
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));
/** `count` calls of `procedure` in one batch path: `whoami,whoami,…`. */
const batchOf = (procedure: string, count: number) => `/trpc/${Array<string>(count).fill(procedure).join(",")}?batch=1`;
const post = (body: unknown, headers: Record<string, string> = json): RequestInit => ({
  method: "POST",
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * Answers are compared as sent, nothing normalised: no stack traces either
 * (the worker's tRPC is created with isDev: false; with them, each adapter's
 * own frames would differ).
 */
async function answer(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: JSON.parse(text) as unknown,
  };
}

/** A body sent in 64 KiB chunks with no content-length, `size` bytes in all. */
function chunkedPost(base: string, path: string, size: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: "POST", headers: json }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"] ?? null,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown,
        }),
      );
    });
    // Either server may stop reading and close once it has answered.
    req.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error),
    );
    for (let sent = 0; sent < size; sent += 64 * 1024) req.write("x".repeat(Math.min(64 * 1024, size - sent)));
    req.end();
  });
}

const log = createLogger("silent");
let ours: WorkerServer;
let theirs: Server;
let oursUrl: string;
let theirsUrl: string;

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  ours = createWorkerServer({
    verifier,
    revocation: noRevocations(),
    logger: log,
    corsOrigin: "http://localhost:3000",
  });
  theirs = createServer(
    createHTTPHandler({
      router: workerRouter,
      basePath: TRPC_PREFIX,
      maxBodySize: MAX_BODY,
      maxBatchSize: MAX_BATCH_CALLS,
      // What server.ts builds for each request.
      createContext: ({ req }) =>
        createWorkerContext(req, { requestId: randomUUID(), logger: log, verifier, revocation: noRevocations() }),
    }),
  );
  [oursUrl, theirsUrl] = await Promise.all([listen(ours.server), listen(theirs)]);
});

afterAll(async () => {
  theirs.closeAllConnections();
  await Promise.all([ours.close(1_000), new Promise((resolve) => theirs.close(resolve))]);
});

const both = (path: string, init?: RequestInit) =>
  Promise.all([answer(oursUrl, path, init), answer(theirsUrl, path, init)]);

describe("the same answers as tRPC's createHTTPHandler", () => {
  it.each<{ name: string; path: string; init?: RequestInit; status: number }>([
    { name: "a query (GET) with a valid token", path: "/trpc/whoami", init: { headers: auth }, status: 200 },
    {
      name: "a mutation (POST)",
      path: "/trpc/textStats",
      init: post({ text: "Hello world. Hello again!", topTerms: 2 }),
      status: 200,
    },
    {
      name: "a batched GET of 3 queries",
      path: "/trpc/whoami,whoami,whoami?batch=1",
      init: { headers: auth },
      status: 200,
    },
    {
      name: "a batched GET with ?input= for each call",
      path: `/trpc/whoami,whoami?batch=1&input=${input({ 0: null, 1: { any: 1 } })}`,
      init: { headers: auth },
      status: 200,
    },
    {
      name: "a batched POST of 3 mutations",
      path: "/trpc/textStats,textStats,textStats?batch=1",
      init: post({ 0: { text: "one" }, 1: { text: "two words" }, 2: { text: "three little words", topTerms: 1 } }),
      status: 200,
    },
    {
      name: "a batch with a success and a zod error",
      path: "/trpc/textStats,textStats?batch=1",
      init: post({ 0: { text: "fine" }, 1: { text: "" } }),
      status: 207,
    },
    {
      name: "a batch with an unknown procedure",
      path: "/trpc/whoami,nope?batch=1",
      init: { headers: auth },
      status: 207,
    },
    { name: "a missing token", path: "/trpc/whoami", status: 401 },
    { name: "a missing token, batched", path: "/trpc/whoami,whoami?batch=1", status: 401 },
    {
      name: "a missing token on a mutation",
      path: "/trpc/textStats",
      init: post({ text: "x" }, { "content-type": "application/json" }),
      status: 401,
    },
    {
      name: "a forged token",
      path: "/trpc/whoami",
      init: { headers: { authorization: `Bearer ${forged}` } },
      status: 401,
    },
    {
      name: "a token that is not a JWS",
      path: "/trpc/whoami",
      init: { headers: { authorization: "Bearer not.a.jwt" } },
      status: 401,
    },
    {
      name: "a non-Bearer Authorization",
      path: "/trpc/whoami",
      init: { headers: { authorization: `Basic ${token}` } },
      status: 401,
    },
    { name: "bad input: empty text (zod)", path: "/trpc/textStats", init: post({ text: "" }), status: 400 },
    {
      name: "bad input: topTerms out of range (zod)",
      path: "/trpc/textStats",
      init: post({ text: "x", topTerms: 0 }),
      status: 400,
    },
    { name: "bad input: wrong type (zod)", path: "/trpc/textStats", init: post({ text: 42 }), status: 400 },
    { name: "bad input: JSON null", path: "/trpc/textStats", init: post("null"), status: 400 },
    {
      name: "a batched POST whose input is not an object",
      path: "/trpc/textStats,textStats?batch=1",
      init: post([{ text: "a" }, { text: "b" }]),
      status: 400,
    },
    { name: "an unknown procedure", path: "/trpc/nope", init: { headers: auth }, status: 404 },
    { name: "an unknown nested procedure", path: "/trpc/whoami.nope", init: { headers: auth }, status: 404 },
    { name: "an unknown procedure by POST", path: "/trpc/nope", init: post({}), status: 404 },
    { name: "a query sent as POST", path: "/trpc/whoami", init: post({}), status: 405 },
    {
      name: "a mutation sent as GET",
      path: `/trpc/textStats?input=${input({ text: "x" })}`,
      init: { headers: auth },
      status: 405,
    },
    {
      name: "a batch of mutations sent as GET",
      path: "/trpc/textStats,textStats?batch=1",
      init: { headers: auth },
      status: 405,
    },
    {
      name: "a PUT (JSON body)",
      path: "/trpc/whoami",
      init: { method: "PUT", headers: json, body: "{}" },
      status: 405,
    },
    {
      name: "a DELETE (JSON body)",
      path: "/trpc/textStats",
      init: { method: "DELETE", headers: json, body: "{}" },
      status: 405,
    },
    { name: "a body over the limit", path: "/trpc/textStats", init: post({ text: "x".repeat(MAX_BODY) }), status: 413 },
    {
      name: "a batched body over the limit",
      path: "/trpc/textStats,textStats?batch=1",
      init: post({ 0: { text: "x".repeat(MAX_BODY) }, 1: { text: "y" } }),
      status: 413,
    },
    {
      name: "a batch of MAX_BATCH_CALLS queries",
      path: batchOf("whoami", MAX_BATCH_CALLS),
      init: { headers: auth },
      status: 200,
    },
    {
      name: "a body exactly at the limit",
      path: "/trpc/textStats",
      init: post(`{"text":"${"x".repeat(MAX_BODY - 11)}"}`),
      status: 400,
    },
  ])("$name ($status)", async ({ path, init, status }) => {
    const [mine, tRPCs] = await both(path, init);
    expect(mine).toEqual(tRPCs);
    expect(mine.status).toBe(status);
  });

  it("a chunked body over the limit, no content-length (413)", async () => {
    const [mine, tRPCs] = await Promise.all(
      [oursUrl, theirsUrl].map((base) => chunkedPost(base, "/trpc/textStats", MAX_BODY + 1)),
    );
    expect(mine).toEqual(tRPCs);
    expect(mine!.status).toBe(413);
  });
});

describe("where the worker deliberately answers otherwise", () => {
  it.each<{ name: string; path: string; init: RequestInit }>([
    {
      name: "one query more than MAX_BATCH_CALLS",
      path: batchOf("whoami", MAX_BATCH_CALLS + 1),
      init: { headers: auth },
    },
    {
      name: "a batch over MAX_BATCH_CALLS with a forged token",
      path: batchOf("whoami", MAX_BATCH_CALLS + 1),
      init: { headers: { authorization: `Bearer ${forged}` } },
    },
    {
      name: "a batched POST over MAX_BATCH_CALLS",
      path: batchOf("textStats", MAX_BATCH_CALLS + 1),
      init: post(Object.fromEntries(Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => [i, { text: "x" }]))),
    },
  ])(
    "refuses $name as tRPC's maxBatchSize does (one 400 error), but as application/json where tRPC says text/plain",
    async ({ path, init }) => {
      const [mine, tRPCs] = await both(path, init);
      expect({ ...mine, contentType: tRPCs.contentType }).toEqual(tRPCs);
      expect(tRPCs.contentType).toBe("text/plain;charset=UTF-8");
      expect(mine.contentType).toBe("application/json");
      // One error for the request, not one per call, and no procedure path.
      expect(mine.body).toEqual({
        error: {
          message: "Batch call exceeds maximum size",
          code: -32600,
          data: { code: "BAD_REQUEST", httpStatus: 400, reason: null, zodError: null },
        },
      });
      expect(mine.status).toBe(400);
    },
  );

  it("refuses streaming (jsonl) batches, which tRPC streams", async () => {
    const init = { headers: { ...auth, "trpc-accept": "application/jsonl" } };
    const mine = await answer(oursUrl, "/trpc/whoami?batch=1", init);
    expect(mine.status).toBe(400);
    expect(mine.body).toMatchObject([{ error: { data: { code: "BAD_REQUEST", path: "whoami" } } }]);

    const tRPCs = await fetch(`${theirsUrl}/trpc/whoami?batch=1`, init);
    expect(tRPCs.status).toBe(200);
    // JSON lines, not one JSON document.
    expect((await tRPCs.text()).trim().split("\n").length).toBeGreaterThan(1);
  });

  it("reads every call's input before any procedure runs: malformed JSON fails a call that takes no input", async () => {
    // tRPC reads input lazily, when a procedure's input parser asks for it,
    // so whoami (no input) ignores it; the worker refuses the request.
    const path = "/trpc/whoami?input=%7Bnot-json";
    const [mine, tRPCs] = await both(path, { headers: auth });
    expect(mine).toMatchObject({
      status: 400,
      body: { error: { code: -32700, data: { code: "PARSE_ERROR", path: "whoami" } } },
    });
    expect(tRPCs).toMatchObject({ status: 200, body: { result: { data: { userId: "user_ada" } } } });

    const batch = "/trpc/whoami,whoami?batch=1&input=%5B1%5D";
    const [myBatch, tRPCsBatch] = await both(batch, { headers: auth });
    expect(myBatch).toMatchObject({ status: 400, body: [{ error: { data: { code: "BAD_REQUEST" } } }, { error: {} }] });
    expect(tRPCsBatch.status).toBe(200);
  });

  it("reads the body before the token is checked: an oversized body without a token is 413, not 401", async () => {
    const [mine, tRPCs] = await both(
      "/trpc/textStats",
      post({ text: "x".repeat(MAX_BODY) }, { "content-type": "application/json" }),
    );
    expect(mine).toMatchObject({ status: 413, body: { error: { data: { code: "PAYLOAD_TOO_LARGE" } } } });
    expect(tRPCs).toMatchObject({
      status: 401,
      body: { error: { data: { code: "UNAUTHORIZED", reason: "missing" } } },
    });
  });

  it("answers malformed JSON with PARSE_ERROR where tRPC says BAD_REQUEST (both 400)", async () => {
    const [mine, tRPCs] = await both("/trpc/textStats", post("{not-json"));
    expect(mine).toMatchObject({
      status: 400,
      body: {
        error: {
          message: "The input is not valid JSON.",
          code: -32700,
          data: { code: "PARSE_ERROR", httpStatus: 400, path: "textStats" },
        },
      },
    });
    expect(tRPCs).toMatchObject({
      status: 400,
      body: { error: { code: -32600, data: { code: "BAD_REQUEST", httpStatus: 400, path: "textStats" } } },
    });
  });

  it("takes an empty POST body as no input, where tRPC fails to parse it (both 400)", async () => {
    const [mine, tRPCs] = await both("/trpc/textStats", post(""));
    expect(mine).toMatchObject({
      status: 400,
      body: { error: { data: { code: "BAD_REQUEST", zodError: { formErrors: [expect.any(String)] } } } },
    });
    expect(tRPCs).toMatchObject({
      status: 400,
      body: { error: { message: "Unexpected end of JSON input", data: { code: "BAD_REQUEST", zodError: null } } },
    });
  });

  it("does not look at the content type, where tRPC wants application/json (else 415)", async () => {
    const [mine, tRPCs] = await both(
      "/trpc/textStats",
      post({ text: "plain" }, { ...auth, "content-type": "text/plain" }),
    );
    expect(mine).toMatchObject({ status: 200, body: { result: { data: { words: 1 } } } });
    expect(tRPCs).toMatchObject({ status: 415, body: { error: { data: { code: "UNSUPPORTED_MEDIA_TYPE" } } } });

    // A PUT without a body: the worker says 405 as for any PUT, tRPC 415 first.
    const [myPut, tRPCsPut] = await both("/trpc/whoami", { method: "PUT", headers: auth });
    expect(myPut).toMatchObject({
      status: 405,
      body: { error: { data: { code: "METHOD_NOT_SUPPORTED", path: "whoami" } } },
    });
    expect(tRPCsPut).toMatchObject({ status: 415, body: { error: { data: { code: "UNSUPPORTED_MEDIA_TYPE" } } } });
  });

  it("answers each call of a batch mixing queries and mutations, where tRPC refuses the batch", async () => {
    // @trpc/client never sends one: its batch links group calls by type.
    const [mine, tRPCs] = await both("/trpc/whoami,textStats?batch=1", { headers: auth });
    expect(mine).toMatchObject({
      status: 207,
      body: [
        { result: { data: { userId: "user_ada" } } },
        { error: { data: { code: "METHOD_NOT_SUPPORTED", path: "textStats" } } },
      ],
    });
    expect(tRPCs).toMatchObject({
      status: 400,
      body: { error: { message: "Cannot mix procedure types in call: query, mutation" } },
    });
  });
});
