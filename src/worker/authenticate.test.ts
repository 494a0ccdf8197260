/**
 * One verification per HTTP request, whatever the batch: the attack this
 * pins was one GET of 16,000 batched calls with a forged token, which cost
 * 16,000 signature checks, 16,000 log lines and a 2.9 MB answer.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";

import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MAX_BATCH_CALLS } from "~/contract/request-limits";
import { authenticate, type AuthenticationContext } from "~/worker/authenticate";
import { createRevocationCheck } from "~/worker/revocation";
import { createWorkerServer } from "~/worker/server";
import type { SessionStore } from "~/worker/session-store";
import { createTestLog } from "../../tests/support/worker/log-capture";
import { ADA_CLAIMS, createTestSigner } from "../../tests/support/worker/token-signer";
import { createTokenVerifier, type TokenVerifier } from "~/worker/verify";
import { noRevocations } from "../../tests/support/worker/no-revocations";

const ISSUER = "http://localhost:3000";
const signer = await createTestSigner({ issuer: ISSUER });
const token = await signer.mint(ADA_CLAIMS);
// Six signature characters changed, away from the last one (whose unused bits would make it malformed instead).
const forged = `${token.slice(0, -12)}${token.slice(-12, -6) === "AAAAAA" ? "BBBBBB" : "AAAAAA"}${token.slice(-6)}`;

/** The real verifier, counting its verify() calls. */
function countingVerifier() {
  const inner = createTokenVerifier({ issuer: ISSUER, jwks: signer.jwks });
  const counting = {
    calls: 0,
    verify: (authorization: Parameters<TokenVerifier["verify"]>[0]) => {
      counting.calls++;
      return inner.verify(authorization);
    },
    ready: () => inner.ready(),
  };
  return counting;
}

const batchOf = (count: number) => `/trpc/${Array<string>(count).fill("whoami").join(",")}?batch=1`;

describe("authentication over HTTP", () => {
  const verifier = countingVerifier();
  const log = createTestLog();
  const worker = createWorkerServer({ verifier, revocation: noRevocations(), logger: log.logger, corsOrigin: ISSUER });
  let url: string;

  beforeAll(async () => {
    worker.server.listen(0, "127.0.0.1");
    await once(worker.server, "listening");
    url = `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}`;
  });
  afterAll(() => worker.close(1_000));

  async function call(path: string, authorization: string) {
    verifier.calls = 0;
    log.lines.length = 0;
    const response = await fetch(`${url}${path}`, { headers: { authorization } });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as unknown };
  }

  it(`verifies a forged token once for a batch of ${MAX_BATCH_CALLS} calls, logs one rejection, answers in bounded size`, async () => {
    const { status, text, body } = await call(batchOf(MAX_BATCH_CALLS), `Bearer ${forged}`);
    expect(status).toBe(401);
    expect(body).toHaveLength(MAX_BATCH_CALLS);
    for (const answer of body as unknown[]) {
      expect(answer).toMatchObject({ error: { data: { code: "UNAUTHORIZED", reason: "bad_signature" } } });
    }
    expect(verifier.calls).toBe(1);
    expect(log.withMessage("token rejected")).toHaveLength(1);
    expect(log.withMessage("token rejected")[0]).toMatchObject({ reason: "bad_signature" });
    // Each call's error is a few hundred bytes, no stack trace.
    expect(text.length).toBeLessThan(MAX_BATCH_CALLS * 300);
  });

  it("verifies a valid token once for a whole batch", async () => {
    const { status, body } = await call(batchOf(MAX_BATCH_CALLS), `Bearer ${token}`);
    expect(status).toBe(200);
    expect(body).toHaveLength(MAX_BATCH_CALLS);
    expect(verifier.calls).toBe(1);
  });

  it("refuses a 16,000-call batch with a forged token before verifying anything: one small 400, no rejection logged", async () => {
    const { status, text, body } = await call(batchOf(16_000), `Bearer ${forged}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { data: { code: "BAD_REQUEST", httpStatus: 400 } } });
    expect(text.length).toBeLessThan(500);
    expect(verifier.calls).toBe(0);
    expect(log.withMessage("token rejected")).toHaveLength(0);
  });

  it("verifies each request on its own: the memo lives in the request, not the process", async () => {
    await call("/trpc/whoami", `Bearer ${forged}`);
    await call("/trpc/whoami", `Bearer ${forged}`);
    expect(verifier.calls).toBe(1);
    expect(log.withMessage("token rejected")).toHaveLength(1);
  });
});

describe("authenticate()", () => {
  function contextFor(
    authorization: string,
    verifier: TokenVerifier,
    revocation = noRevocations(),
  ): AuthenticationContext {
    return { log: createTestLog().logger, authorization, verifier, revocation, authentication: {} };
  }

  it("verifies once for a context and the copies tRPC makes of it", async () => {
    const verifier = countingVerifier();
    const ctx = contextFor(`Bearer ${token}`, verifier);
    // What tRPC hands the next middleware: a copy, with what this one added.
    const extended = { ...ctx, caller: "added by a middleware" };
    const callers = await Promise.all([authenticate(ctx), authenticate({ ...ctx }), authenticate(extended)]);
    expect(verifier.calls).toBe(1);
    expect(callers[0]).toMatchObject({ userId: "user_ada" });
    expect(new Set(callers).size).toBe(1);
  });

  it("fails every call of the request with the same UNAUTHORIZED error", async () => {
    const verifier = countingVerifier();
    const ctx = contextFor(`Bearer ${forged}`, verifier);
    const errors = await Promise.all(
      [authenticate(ctx), authenticate({ ...ctx })].map((attempt) => attempt.catch((error: unknown) => error)),
    );
    expect(verifier.calls).toBe(1);
    for (const error of errors) expect(error).toBeInstanceOf(TRPCError);
    expect(errors[0]).toMatchObject({ code: "UNAUTHORIZED" });
    expect(errors[1]).toBe(errors[0]);
  });

  it("refuses a valid token whose session has ended: UNAUTHORIZED, reason revoked", async () => {
    // The session table as after a sign-out: session_ada is gone, another session of Ada's is not.
    const store: SessionStore = {
      find: async (ids) =>
        new Map(
          ids
            .filter((id) => id === "session_other")
            .map((id) => [id, { userId: "user_ada", expiresAt: Date.now() + 3_600_000 }]),
        ),
    };
    const revocation = createRevocationCheck({ store });
    const verifier = countingVerifier();
    const error = await authenticate(contextFor(`Bearer ${token}`, verifier, revocation)).catch(
      (rejected: unknown) => rejected,
    );
    expect(verifier.calls).toBe(1);
    expect(error).toBeInstanceOf(TRPCError);
    expect(error).toMatchObject({ code: "UNAUTHORIZED", cause: { reason: "revoked" } });
  });
});
