/**
 * The worker's error answers whatever NODE_ENV is: tRPC decides at
 * initTRPC.create() whether to send stack traces (isDev: NODE_ENV !==
 * "production"), so each case loads the worker's modules afresh under it.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it, vi } from "vitest";

import { createLogger } from "~/worker/logger";
import { MAX_BATCH_CALLS } from "~/contract/request-limits";
import { ADA_CLAIMS, createTestSigner } from "../../tests/support/worker/token-signer";
import { noRevocations } from "../../tests/support/worker/no-revocations";

const ISSUER = "http://localhost:3000";
const signer = await createTestSigner({ issuer: ISSUER });
const token = await signer.mint(ADA_CLAIMS);
// What an unexpected failure's message may hold.
const INTERNAL_DETAIL = `ENOENT: no such file or directory, open '${process.cwd()}/secret/keys.json'`;

/** Every key named `stack`, at any depth. */
function stacksIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(stacksIn);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    key === "stack" ? [inner] : stacksIn(inner),
  );
}

async function startFreshWorker() {
  vi.resetModules();
  // The verifier from the same fresh modules, so TokenRejected is the class authenticate() checks for.
  const [{ createWorkerServer }, { createTokenVerifier }] = await Promise.all([
    import("~/worker/server"),
    import("~/worker/verify"),
  ]);
  const real = createTokenVerifier({ issuer: ISSUER, jwks: signer.jwks });
  const worker = createWorkerServer({
    revocation: noRevocations(),
    verifier: {
      // A bug's error, thrown where a real one could be: inside the token check.
      verify: async (authorization) => {
        if (authorization?.includes("Bearer crash")) throw new Error(INTERNAL_DETAIL);
        return real.verify(authorization);
      },
      ready: () => real.ready(),
    },
    logger: createLogger("silent"),
    corsOrigin: ISSUER,
  });
  worker.server.listen(0, "127.0.0.1");
  await once(worker.server, "listening");
  return { url: `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}`, close: () => worker.close(1_000) };
}

const auth = { authorization: `Bearer ${token}` };
const REQUESTS: { name: string; path: string; init?: RequestInit; status: number }[] = [
  { name: "a missing token", path: "/trpc/whoami", status: 401 },
  {
    name: "a forged token, batched",
    path: "/trpc/whoami,whoami?batch=1",
    init: { headers: { authorization: `Bearer ${token}x` } },
    status: 401,
  },
  {
    name: "a zod error",
    path: "/trpc/textStats",
    init: { method: "POST", headers: auth, body: JSON.stringify({ text: "" }) },
    status: 400,
  },
  {
    name: "invalid JSON",
    path: "/trpc/textStats",
    init: { method: "POST", headers: auth, body: "{oops" },
    status: 400,
  },
  { name: "an unknown procedure", path: "/trpc/nope", init: { headers: auth }, status: 404 },
  {
    name: "a query sent as POST",
    path: "/trpc/whoami",
    init: { method: "POST", headers: auth, body: "{}" },
    status: 405,
  },
  {
    name: "a batch over the limit",
    path: `/trpc/${Array<string>(MAX_BATCH_CALLS + 1)
      .fill("whoami")
      .join(",")}?batch=1`,
    status: 400,
  },
  {
    name: "an unexpected error",
    path: "/trpc/whoami",
    init: { headers: { authorization: "Bearer crash" } },
    status: 500,
  },
];

describe.each(["development", undefined, "production"])("error answers with NODE_ENV=%s", (nodeEnv) => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("carry no stack trace, no file path and no internal error message", async () => {
    vi.stubEnv("NODE_ENV", nodeEnv);
    const worker = await startFreshWorker();
    try {
      for (const { name, path, init, status } of REQUESTS) {
        const response = await fetch(`${worker.url}${path}`, init);
        const text = await response.text();
        expect(response.status, name).toBe(status);
        expect(stacksIn(JSON.parse(text)), name).toEqual([]);
        expect(text, name).not.toContain(process.cwd());
        expect(text, name).not.toMatch(/\.(ts|js|mjs):\d+/);
      }
      const internal = await (
        await fetch(`${worker.url}/trpc/whoami`, { headers: { authorization: "Bearer crash" } })
      ).json();
      expect(internal).toMatchObject({
        error: { message: "Internal server error", data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 } },
      });
    } finally {
      await worker.close();
    }
  });
});
