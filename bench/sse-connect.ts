/**
 * `npx tsx bench/sse-connect.ts`: what serving subscriptions through tRPC's
 * own node adapter costs, next to a query through the worker's hand-written
 * adapter (docs/decisions/0013). One worker server in this process (static
 * JWKS, every session live, a change feed that never has events), requests
 * one at a time over keep-alive:
 * - `GET /trpc/whoami`: until the whole JSON answer is read;
 * - `GET /trpc/documents.events`: until the stream's first event
 *   (`connected`) is read, then the stream is dropped.
 * Then N streams held open at once: the memory each costs.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";

import { createLogger } from "~/worker/logger";
import type { ChangeFeed, FeedSubscription } from "~/worker/documents/change-feed";
import { createWorkerServer } from "~/worker/server";
import { createTestSigner } from "../tests/support/worker/token-signer";
import { noRevocations } from "../tests/support/worker/no-revocations";
import { createTokenVerifier } from "~/worker/verify";
import { percentiles } from "../tooling/percentiles";

const ROUNDS = Number(process.env.ROUNDS ?? 400);
const OPEN_STREAMS = Number(process.env.OPEN_STREAMS ?? 500);

const idleFeed: ChangeFeed = {
  subscribe: (userId): FeedSubscription => ({
    userId,
    offer: () => false,
    take: (signal) => new Promise((resolve) => signal?.addEventListener("abort", () => resolve([]), { once: true })),
    close: () => undefined,
  }),
  readSince: async () => [],
  size: 0,
  polling: false,
  stop: () => undefined,
};

const signer = await createTestSigner();
const worker = createWorkerServer({
  verifier: createTokenVerifier({ issuer: signer.issuer, jwks: signer.jwks }),
  revocation: noRevocations(),
  changeFeed: idleFeed,
  logger: createLogger("silent"),
  corsOrigin: "http://localhost:3000",
});
await new Promise<void>((resolve) => worker.server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}`;
const token = await signer.mint({
  sub: "bench-user",
  sid: "bench-session",
  email: "bench@example.test",
  name: "Bench",
  jti: randomUUID(),
});
const headers = { authorization: `Bearer ${token}` };

async function query(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/trpc/whoami`, { headers });
  await response.json();
  return performance.now() - started;
}

async function connect(hold?: AbortController): Promise<number> {
  const started = performance.now();
  const abort = hold ?? new AbortController();
  const response = await fetch(`${base}/trpc/documents.events?input=%7B%7D`, {
    headers: { ...headers, accept: "text/event-stream" },
    signal: abort.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended before its first event");
    text += decoder.decode(value, { stream: true });
  }
  if (!text.startsWith("event: connected")) throw new Error(`unexpected first event: ${text}`);
  const elapsed = performance.now() - started;
  if (!hold) abort.abort();
  return elapsed;
}

function summary(name: string, samples: number[]) {
  const { p50, p99 } = percentiles(samples);
  return `${name.padEnd(46)} p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (${samples.length})`;
}

// Warm-up, then interleaved rounds.
for (let i = 0; i < 50; i++) {
  await query();
  await connect();
}
const queries: number[] = [];
const connects: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  queries.push(await query());
  connects.push(await connect());
}
console.log(summary("query  GET /trpc/whoami (trpc-http.ts)", queries));
console.log(summary("stream GET /trpc/documents.events → connected", connects));

global.gc?.();
await new Promise((resolve) => setTimeout(resolve, 200));
const before = process.memoryUsage();
const held: AbortController[] = [];
for (let i = 0; i < OPEN_STREAMS; i++) {
  const abort = new AbortController();
  held.push(abort);
  await connect(abort);
}
global.gc?.();
await new Promise((resolve) => setTimeout(resolve, 200));
const after = process.memoryUsage();
const perStream = (key: "rss" | "heapUsed") => ((after[key] - before[key]) / OPEN_STREAMS / 1024).toFixed(1);
console.log(
  `${OPEN_STREAMS} open streams (client and server in this process): +${perStream("heapUsed")} KiB heap, +${perStream("rss")} KiB RSS per stream`,
);
for (const abort of held) abort.abort();
await worker.close(1_000);
process.exit(0);
