import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { fetchPageImage } from "./page-image";
import { createTokenCache } from "./token-cache";
import { WorkerHttpError } from "./worker-http";

const DOCUMENT_ID = "5f0c6e5e-8a39-4d55-9f0b-7c1b1f0a2d11";
// A WebP's RIFF header: what is sent is what must come back, byte for byte.
const WEBP = Buffer.from("RIFF\u0024\u0000\u0000\u0000WEBPVP8 ", "latin1");

interface Seen {
  url: string;
  authorization: string | undefined;
  requestId: string | undefined;
}

let server: ReturnType<typeof createServer> | undefined;

/** A worker on a free port that answers each request with `answer`; `seen` records what arrived. */
async function workerAnswering(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    seen.push({
      url: req.url ?? "",
      authorization: req.headers.authorization,
      requestId: req.headers["x-request-id"] as string | undefined,
    });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Options for `workerUrl` whose mint hands out t1, t2, … */
function options(workerUrl: string) {
  let minted = 0;
  return {
    workerUrl,
    tokens: createTokenCache(),
    sessionId: "s-1",
    mint: async () => ({ token: `t${++minted}`, expiresAt: Date.now() + 600_000 }),
    documentId: DOCUMENT_ID,
    page: 7,
  };
}

function refusal(res: ServerResponse, status: number, code: string, message: string, reason: string | null = null) {
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(JSON.stringify({ error: { code, message, reason } }));
}

describe("fetchPageImage", () => {
  it("GETs the page's image route with the token and a request id, and resolves with its bytes", async () => {
    const worker = await workerAnswering((req, res) => res.writeHead(200, { "content-type": "image/webp" }).end(WEBP));
    const image = await fetchPageImage(options(worker.url));

    expect(Buffer.from(await image.arrayBuffer())).toEqual(WEBP);
    expect(image.type).toBe("image/webp");
    expect(worker.seen).toEqual([
      { url: `/documents/${DOCUMENT_ID}/pages/7/image`, authorization: "Bearer t1", requestId: expect.any(String) },
    ]);
  });

  it("on a 401 sends once more with a fresh token", async () => {
    const worker = await workerAnswering((req, res) =>
      req.headers.authorization === "Bearer t1"
        ? refusal(res, 401, "UNAUTHORIZED", "The token has expired.", "expired")
        : res.writeHead(200, { "content-type": "image/webp" }).end(WEBP),
    );
    await expect(fetchPageImage(options(worker.url))).resolves.toBeInstanceOf(Blob);
    expect(worker.seen.map((request) => request.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it("a 404 (another user's page, a page not OCR'd) rejects with the worker's words", async () => {
    const worker = await workerAnswering((req, res) => refusal(res, 404, "NOT_FOUND", "No such page image."));
    const error = await fetchPageImage(options(worker.url)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkerHttpError);
    expect(error).toMatchObject({ code: "NOT_FOUND", status: 404, message: "No such page image." });
  });

  it("says the worker is unavailable when nothing answers", async () => {
    const worker = await workerAnswering(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await fetchPageImage(options(worker.url)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: null });
    expect((error as Error).message).toMatch(/^The worker is unavailable: nothing answered at http:\/\/127\.0\.0\.1:/);
  });

  it("an answer cut off before its end rejects in words, not as a broken image", async () => {
    const worker = await workerAnswering((req, res) => {
      res.writeHead(200, { "content-type": "image/webp", "content-length": String(WEBP.length * 4) });
      res.write(WEBP, () => res.destroy());
    });
    const error = await fetchPageImage(options(worker.url)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "BAD_GATEWAY",
      status: 200,
      message: "The image of page 7 broke off before the end.",
    });
    expect(worker.seen).toHaveLength(1);
  });

  it("aborting stops the request: it rejects with the abort, not as the worker unavailable", async () => {
    let arrived: () => void = () => undefined;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    // Never answers: only the abort can end the request.
    const worker = await workerAnswering(() => arrived());
    const controller = new AbortController();
    const fetched = fetchPageImage({ ...options(worker.url), signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    await requested;
    controller.abort();
    expect(await fetched).toMatchObject({ name: "AbortError" });
  });
});
