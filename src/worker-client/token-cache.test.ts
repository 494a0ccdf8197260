import { describe, expect, it } from "vitest";

import { createTokenCache } from "~/worker-client/token-cache";
import type { WorkerToken } from "~/contract/worker-token";

const MINUTE = 60_000;

function setup() {
  let now = 1_000_000;
  const cache = createTokenCache({ now: () => now });
  let minted = 0;
  const mint =
    (ttl = 15 * MINUTE) =>
    async (): Promise<WorkerToken> => ({ token: `t${++minted}`, expiresAt: now + ttl });
  return { cache, mint, advance: (ms: number) => (now += ms), minted: () => minted };
}

describe("token cache", () => {
  it("reuses a token until a minute before it expires, then mints anew", async () => {
    const { cache, mint, advance } = setup();
    expect((await cache.get("s1", mint())).token).toBe("t1");

    advance(13 * MINUTE);
    expect((await cache.get("s1", mint())).token).toBe("t1");
    advance(MINUTE + 1); // 59 s 999 ms left
    expect((await cache.get("s1", mint())).token).toBe("t2");
  });

  it("shares one in-flight mint among concurrent callers", async () => {
    const { cache, mint, minted } = setup();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.get("s1", mint())));
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(["t1"]));
    expect(minted()).toBe(1);
  });

  it("keeps sessions apart", async () => {
    const { cache, mint } = setup();
    const [a, b] = await Promise.all([cache.get("a", mint()), cache.get("b", mint())]);
    expect(a.token).not.toBe(b.token);
    expect((await cache.get("a", mint())).token).toBe(a.token);
  });

  it("drop forgets a token, and a mint in flight at drop time is not kept", async () => {
    const { cache, mint } = setup();
    await cache.get("s1", mint());
    cache.drop("s1");
    expect(cache.has("s1")).toBe(false);

    const pending = cache.get("s1", mint()); // t2, in flight
    cache.drop("s1"); // signed out meanwhile
    expect((await pending).token).toBe("t2"); // its waiters still get an answer
    expect(cache.has("s1")).toBe(false);
    expect((await cache.get("s1", mint())).token).toBe("t3");
  });

  it("a failed mint is not cached: the next call tries again", async () => {
    const { cache, mint } = setup();
    await expect(cache.get("s1", () => Promise.reject(new Error("exchange failed")))).rejects.toThrow(
      "exchange failed",
    );
    expect(cache.has("s1")).toBe(false);
    expect((await cache.get("s1", mint())).token).toBe("t1");
  });

  it("hands out a token with less than the margin left, but does not reuse it", async () => {
    const { cache, mint, minted } = setup();
    expect((await cache.get("s1", mint(30_000))).token).toBe("t1");
    expect((await cache.get("s1", mint(30_000))).token).toBe("t2");
    expect(minted()).toBe(2);
  });

  it("clear empties it (sign-out in the browser)", async () => {
    const { cache, mint } = setup();
    await cache.get("s1", mint());
    await cache.get("s2", mint());
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
