import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createRequestGate } from "./request-gate";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("request gate", () => {
  it("admits up to maxInFlight at once, the next in arrival order as passes are released", async () => {
    const gate = createRequestGate({ maxInFlight: 2, maxWaitMs: 1_000, maxQueued: 10 });
    const first = await gate.admit();
    const second = await gate.admit();
    const order: string[] = [];
    const third = gate.admit().then((pass) => (order.push("third"), pass));
    const fourth = gate.admit().then((pass) => (order.push("fourth"), pass));
    expect(gate.load()).toEqual({ inFlight: 2, queued: 2 });

    first!();
    first!(); // a second release of the same pass frees nothing more
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(["third"]);
    expect(gate.load()).toEqual({ inFlight: 2, queued: 1 });
    second!();
    expect(await fourth).toBeTypeOf("function");
    expect(await third).toBeTypeOf("function");
    expect(order).toEqual(["third", "fourth"]);
  });

  it("refuses a request that waited maxWaitMs, and one that finds the queue full, at once", async () => {
    const gate = createRequestGate({ maxInFlight: 1, maxWaitMs: 1_000, maxQueued: 1 });
    const held = await gate.admit();
    const waiting = gate.admit();
    expect(await gate.admit()).toBeNull();

    await vi.advanceTimersByTimeAsync(999);
    expect(gate.load().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiting).toBeNull();
    expect(gate.load()).toEqual({ inFlight: 1, queued: 0 });

    held!();
    expect(gate.load().inFlight).toBe(0);
    expect(await gate.admit()).toBeTypeOf("function");
  });
});
