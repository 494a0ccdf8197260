import { describe, expect, it, vi } from "vitest";

import { lazy } from "./lazy";

class Counter {
  #count = 0;
  readonly label = "counter";
  increment(): number {
    return ++this.#count;
  }
}

describe("lazy", () => {
  it("builds nothing at import, then exactly once on first use", () => {
    const create = vi.fn(() => new Counter());
    const counter = lazy(create);
    expect(create).not.toHaveBeenCalled();

    expect(counter.label).toBe("counter");
    expect(counter.increment()).toBe(1);
    expect(counter.increment()).toBe(2);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("runs methods against the real object, so private fields work even when detached", () => {
    const counter = lazy(() => new Counter());
    const { increment } = counter;
    expect(increment()).toBe(1);
    expect(counter.increment()).toBe(2);
  });

  it("answers `in` from the real object", () => {
    const counter = lazy(() => new Counter());
    expect("increment" in counter).toBe(true);
    expect("missing" in counter).toBe(false);
  });

  it("throws the factory's error at first use, not at creation", () => {
    const broken = lazy<Counter>(() => {
      throw new Error("DATABASE_URL is missing");
    });
    expect(() => broken.label).toThrow("DATABASE_URL is missing");
  });
});
