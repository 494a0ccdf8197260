import { describe, expect, it } from "vitest";

import { accountKey } from "./keys";

describe("accountKey", () => {
  it("is one key for every spelling of an address, and holds no address", () => {
    const key = accountKey("Ada@Example.test");
    expect(accountKey(" ada@example.test ")).toBe(key);
    expect(key).not.toContain("ada");
    expect(accountKey("x".repeat(1_000_000))).toHaveLength(key.length);
    expect(accountKey("bob@example.test")).not.toBe(key);
  });
});
