import { describe, expect, it } from "vitest";

import { createUserSlots } from "./user-slots";

describe("user slots", () => {
  it("hold at most `max` in all, and at most `perUser` of one user, and say which limit refused", () => {
    const slots = createUserSlots(3, 2);
    expect(slots.take("a")).toBe(true);
    expect(slots.take("a")).toBe(true);
    // The user's own are taken; the others' are not.
    expect(slots.take("a")).toBe("user");
    expect(slots.take("b")).toBe(true);
    // All are taken.
    expect(slots.take("c")).toBe("all");
    slots.release("a");
    expect(slots.take("c")).toBe(true);
    expect(slots.take("a")).toBe("all");
    slots.release("b");
    expect(slots.take("a")).toBe(true);
    // Still the user's own limit first, whatever the others hold.
    expect(slots.take("a")).toBe("user");
  });
});
