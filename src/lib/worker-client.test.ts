import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";

import { explainWorkerFailure } from "./worker-client";

const WORKER_URL = "http://worker.test:4000";

/** A failed call as the client link raises it, from the error shape the worker sent. */
function workerAnswered(code: string, message: string, extra: Record<string, unknown> = {}) {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus: 400, ...extra } } });
}

describe("explainWorkerFailure", () => {
  it("says the worker is unavailable when nothing answered", () => {
    const error = TRPCClientError.from(new TypeError("fetch failed"));
    expect(explainWorkerFailure(error, WORKER_URL)).toEqual({
      code: "SERVICE_UNAVAILABLE",
      message: `Worker unavailable: nothing answered at ${WORKER_URL}. Is the worker running?`,
    });
  });

  it("passes the first validation message of bad input on to the caller", () => {
    const error = workerAnswered("BAD_REQUEST", "[…zod json…]", {
      zodError: { formErrors: [], fieldErrors: { text: ["Paste some text to analyse."] } },
    });
    expect(explainWorkerFailure(error, WORKER_URL)).toEqual({ code: "BAD_REQUEST", message: "Paste some text to analyse." });
  });

  it("puts an oversized request into words instead of tRPC's bare code name", () => {
    const failure = explainWorkerFailure(workerAnswered("PAYLOAD_TOO_LARGE", "PAYLOAD_TOO_LARGE"), WORKER_URL);
    expect(failure?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(failure?.message).toMatch(/more than the worker accepts in one request/);
  });

  it("blames the configuration, not the user, for a token still refused after a fresh one", () => {
    const failure = explainWorkerFailure(workerAnswered("UNAUTHORIZED", "no", { reason: "wrong_issuer" }), WORKER_URL);
    expect(failure).toEqual({ code: "BAD_GATEWAY", message: expect.stringContaining("(wrong_issuer): check BETTER_AUTH_URL") });
  });

  it("leaves errors that never reached the worker alone", () => {
    expect(explainWorkerFailure(new Error("session ended"), WORKER_URL)).toBeUndefined();
  });
});
