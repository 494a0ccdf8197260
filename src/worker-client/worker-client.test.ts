import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";

import { createTokenCache } from "./token-cache";
import { createWorkerClient, explainWorkerFailure } from "./worker-client";

const WORKER_URL = "http://worker.test:4000";

/** A worker client at `url` with a token always at hand; `calls` counts what reached fetch. */
function clientAt(url: string) {
  return createWorkerClient({
    url,
    tokens: createTokenCache(),
    sessionId: "s-1",
    mint: async () => ({ token: "t", expiresAt: Date.now() + 600_000 }),
    batch: false,
    timeoutMs: 2_000,
  });
}

/** A URL where nothing listens: a port the system just gave out and took back. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A failed call as the client link raises it, from the error shape the worker sent. */
function workerAnswered(code: string, message: string, extra: Record<string, unknown> = {}) {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400, ...extra } } });
}

describe("explainWorkerFailure", () => {
  it("says the worker is unavailable when nothing answered, naming only a URL it is given", async () => {
    const url = await deadUrl();
    const error = await clientAt(url)
      .whoami.query()
      .catch((e: unknown) => e);

    // The server passes none (its WORKER_URL is internal); the browser passes its own public one.
    expect(explainWorkerFailure(error)).toEqual({
      code: "SERVICE_UNAVAILABLE",
      message: "The worker is unavailable: nothing answered. Is it running?",
    });
    expect(explainWorkerFailure(error, WORKER_URL)?.message).toBe(
      `The worker is unavailable: nothing answered at ${WORKER_URL}. Is it running?`,
    );
    expect(explainWorkerFailure(error)?.message).not.toContain(url);
  });

  it.each([
    [
      "a cycle",
      () => {
        const text: Record<string, unknown> = {};
        text.self = text;
        return text;
      },
    ],
    ["a BigInt", () => 1n],
    [
      "100,000 levels of nesting",
      () => {
        let deep: unknown = "x";
        for (let i = 0; i < 100_000; i++) deep = [deep];
        return deep;
      },
    ],
  ])(
    "input that cannot be encoded (%s) is the caller's BAD_REQUEST, not 'worker unavailable' (it never left)",
    async (_, text) => {
      // Something listens, so a request that went out would be answered.
      const server = createServer((req, res) => res.writeHead(500).end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      let requests = 0;
      server.on("request", () => requests++);
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const error = await clientAt(url)
          .textStats.mutate({ text: text() as string })
          .catch((e: unknown) => e);

        expect(explainWorkerFailure(error)).toEqual({
          code: "BAD_REQUEST",
          message: expect.stringMatching(/^This input cannot be sent to the worker \(.+\)\.$/),
        });
        expect(requests).toBe(0);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  it("an answer that is not tRPC JSON (a proxy's error page) is the worker side's fault: BAD_GATEWAY", async () => {
    const server = createServer((req, res) =>
      res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>"),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const error = await clientAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
        .whoami.query()
        .catch((e: unknown) => e);
      expect(explainWorkerFailure(error)).toEqual({
        code: "BAD_GATEWAY",
        message: "The worker's answer could not be read.",
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("passes the first validation message of bad input on to the caller", () => {
    const error = workerAnswered("BAD_REQUEST", "[…zod json…]", {
      zodError: { formErrors: [], fieldErrors: { text: ["Paste some text to analyse."] } },
    });
    expect(explainWorkerFailure(error, WORKER_URL)).toEqual({
      code: "BAD_REQUEST",
      message: "Paste some text to analyse.",
    });
  });

  it("puts an oversized request into words instead of tRPC's bare code name", () => {
    const failure = explainWorkerFailure(workerAnswered("PAYLOAD_TOO_LARGE", "PAYLOAD_TOO_LARGE"), WORKER_URL);
    expect(failure?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(failure?.message).toMatch(/more than the worker accepts in one request/);
  });

  it("blames the configuration, not the user, for a token still refused after a fresh one", () => {
    const failure = explainWorkerFailure(workerAnswered("UNAUTHORIZED", "no", { reason: "wrong_issuer" }), WORKER_URL);
    expect(failure).toEqual({
      code: "BAD_GATEWAY",
      message: expect.stringContaining("(wrong_issuer): check BETTER_AUTH_URL"),
    });
  });

  it("a session revoked between the mint and the call is the user's to sign in again, not a configuration fault", () => {
    const failure = explainWorkerFailure(workerAnswered("UNAUTHORIZED", "no", { reason: "revoked" }), WORKER_URL);
    expect(failure).toEqual({ code: "UNAUTHORIZED", message: "Your session has ended. Sign in again." });
  });

  it("passes on the worker's words when what was asked cannot be done (no such document, not retryable, a quota)", () => {
    for (const [code, message] of [
      ["NOT_FOUND", "No such document."],
      ["CONFLICT", "Only a failed document can be retried: this one is ready."],
      ["FORBIDDEN", "You have 1,000 documents, the most one account may keep: delete some to upload more."],
    ] as const) {
      expect(explainWorkerFailure(workerAnswered(code, message), WORKER_URL)).toEqual({ code, message });
    }
  });

  it("leaves errors that never reached the worker alone", () => {
    expect(explainWorkerFailure(new Error("session ended"), WORKER_URL)).toBeUndefined();
  });
});
