import { expect, test } from "vitest";

import { isExpected, refusals, unexpectedOutcomes } from "./expected";
import { REFUSED, Tally } from "./tally";
import { ENDPOINT } from "./user";

const direct = ENDPOINT.direct("worker-2");

test("without faults only 2xx answers are expected", () => {
  expect(isExpected(ENDPOINT.page, 200, [])).toBe(true);
  expect(isExpected(ENDPOINT.page, 307, [])).toBe(false);
  expect(isExpected(ENDPOINT.viaWeb, 503, [])).toBe(false);
  expect(isExpected(direct, "no answer (ECONNREFUSED)", [])).toBe(false);
});

test("a killed worker may give 503s and refused connections, never a 500 nor a silent web tier", () => {
  const faults = ["kill-worker" as const];
  expect(isExpected(ENDPOINT.viaWeb, 503, faults)).toBe(true);
  expect(isExpected(direct, "no answer (ECONNREFUSED)", faults)).toBe(true);
  expect(isExpected(direct, 503, faults)).toBe(true);
  expect(isExpected(ENDPOINT.viaWeb, 500, faults)).toBe(false);
  expect(isExpected(ENDPOINT.viaWeb, "no answer (ECONNRESET)", faults)).toBe(false);
  expect(isExpected(ENDPOINT.page, 503, faults)).toBe(false);
});

test("users signed out from elsewhere are sent to /sign-in or refused with 401", () => {
  const faults = ["sign-out" as const];
  expect(isExpected(ENDPOINT.page, 307, faults)).toBe(true);
  expect(isExpected(ENDPOINT.exchange, 401, faults)).toBe(true);
  expect(isExpected(direct, 401, faults)).toBe(true);
  expect(isExpected(ENDPOINT.signIn, 429, faults)).toBe(false);
  // Key rotation must not fail a call.
  expect(isExpected(direct, 401, ["rotate-keys"])).toBe(false);
});

test("unexpectedOutcomes adds up what no fault explains over every tally", () => {
  const warmup = new Tally();
  const measured = new Tally();
  warmup.record(ENDPOINT.viaWeb, 500, 3);
  measured.record(ENDPOINT.viaWeb, 500, 3);
  measured.record(ENDPOINT.viaWeb, 503, 3);
  measured.record(ENDPOINT.page, 200, 3);
  expect(unexpectedOutcomes([warmup, measured], ["kill-worker"])).toEqual([`${ENDPOINT.viaWeb}: 500 × 2`]);
});

test("under overload: the web tier's 503 + Retry-After is a refusal; a timeout, a bare 503 or a worker's refusal is not", () => {
  const faults = ["rotate-keys" as const, "sign-out" as const];
  expect(isExpected(ENDPOINT.page, REFUSED, faults)).toBe(true);
  expect(isExpected(ENDPOINT.viaWeb, REFUSED, faults)).toBe(true);
  expect(isExpected(ENDPOINT.page, 503, faults)).toBe(false);
  expect(isExpected(ENDPOINT.page, "no answer (no answer within 5 s)", faults)).toBe(false);
  expect(isExpected(direct, REFUSED, faults)).toBe(false);

  const measured = new Tally();
  measured.record(ENDPOINT.page, REFUSED, 3);
  measured.record(ENDPOINT.viaWeb, REFUSED, 3);
  measured.record(ENDPOINT.page, 200, 3);
  expect(refusals([new Tally(), measured])).toBe(2);
});
