import { afterEach, describe, expect, it, vi } from "vitest";

import { within } from "~/server/within";

afterEach(() => {
  vi.useRealTimers();
});

describe("within", () => {
  it("settles as the promise does when it answers in time, and leaves no timer behind", async () => {
    vi.useFakeTimers();
    await expect(within(1000, Promise.resolve("answer"))).resolves.toBe("answer");
    await expect(within(1000, Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects, saying how long it waited, when the promise never settles", async () => {
    vi.useFakeTimers();
    const waiting = within(2500, new Promise<never>(() => undefined));
    const settled = expect(waiting).rejects.toThrow("no answer within 2.5 s");
    await vi.advanceTimersByTimeAsync(2500);
    await settled;
  });
});
