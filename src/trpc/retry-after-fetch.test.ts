import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { fetchWaitingOut503, retryAfterSeconds } from "./retry-after-fetch";

// A real server that refuses the first `refusals` requests of each path with
// 503 (Retry-After as the path's query says), then echoes what it got.
let server: Server;
let base: string;
const seen = new Map<string, string[]>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const bodies = seen.get(url.pathname) ?? [];
      bodies.push(body);
      seen.set(url.pathname, bodies);
      const refusals = Number(url.searchParams.get("refusals") ?? 0);
      if (bodies.length <= refusals) {
        const retryAfter = url.searchParams.get("retryAfter");
        res.writeHead(503, retryAfter === null ? {} : { "retry-after": retryAfter });
        res.end("busy");
        return;
      }
      res.end(`ok ${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("fetchWaitingOut503", () => {
  it("sends a refused request again, body included, until it is answered", async () => {
    const send = fetchWaitingOut503();
    const response = await send(`${base}/post?refusals=2&retryAfter=0`, { method: "POST", body: "batch" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok batch");
    expect(seen.get("/post")).toEqual(["batch", "batch", "batch"]);
  });

  it("waits about what Retry-After asks", async () => {
    const send = fetchWaitingOut503({ random: () => 0.5 });
    const started = performance.now();
    const response = await send(`${base}/wait?refusals=1&retryAfter=1`);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("hands over a 503 without Retry-After, and one that would outlast its patience, at once", async () => {
    const started = performance.now();
    const bare = await fetchWaitingOut503()(`${base}/bare?refusals=5`);
    expect(bare.status).toBe(503);
    const impatient = await fetchWaitingOut503({ patienceMs: 100 })(`${base}/impatient?refusals=5&retryAfter=5`);
    expect(impatient.status).toBe(503);
    expect(impatient.headers.get("retry-after")).toBe("5");
    expect(performance.now() - started).toBeLessThan(500);
    expect(seen.get("/bare")).toHaveLength(1);
    expect(seen.get("/impatient")).toHaveLength(1);
  });

  it("stops waiting when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = fetchWaitingOut503()(`${base}/abort?refusals=5&retryAfter=5`, { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException("gone", "AbortError")), 50);
    await expect(pending).rejects.toThrow("gone");
  });
});

describe("retryAfterSeconds", () => {
  const answer = (status: number, retryAfter?: string) =>
    new Response(null, { status, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } });

  it("reads the delay of a 503; an HTTP date counts as a second; nothing for other statuses", () => {
    expect(retryAfterSeconds(answer(503, "5"))).toBe(5);
    expect(retryAfterSeconds(answer(503, "Wed, 21 Oct 2026 07:28:00 GMT"))).toBe(1);
    expect(retryAfterSeconds(answer(503))).toBeUndefined();
    expect(retryAfterSeconds(answer(429, "5"))).toBeUndefined();
    expect(retryAfterSeconds(answer(200))).toBeUndefined();
  });
});
