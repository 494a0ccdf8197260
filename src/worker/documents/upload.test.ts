import { describe, expect, it } from "vitest";

import { createUploadSlots } from "./upload";

describe("upload slots", () => {
  it("hold at most `max` uploads, and at most `perUser` of one user", () => {
    const slots = createUploadSlots(3, 2);
    expect(slots.take("a")).toBe(true);
    expect(slots.take("a")).toBe(true);
    // The user's own are taken; the others' are not.
    expect(slots.take("a")).toBe(false);
    expect(slots.take("b")).toBe(true);
    // All are taken.
    expect(slots.take("c")).toBe(false);
    slots.release("a");
    expect(slots.take("c")).toBe(true);
    expect(slots.take("a")).toBe(false);
    slots.release("b");
    expect(slots.take("a")).toBe(true);
  });
});
