import { describe, expect, it } from "vitest";

import { forwardedClientIp } from "./client-ip";

describe("forwardedClientIp", () => {
  it("without a proxy (hops 0) believes no entry, however plausible", () => {
    expect(forwardedClientIp("203.0.113.7", 0)).toBeNull();
    expect(forwardedClientIp("198.51.100.1, 203.0.113.7", 0)).toBeNull();
  });

  it.each([
    // One proxy that overwrites the header, or one that appends to what the client sent.
    ["203.0.113.7", 1, "203.0.113.7"],
    ["6.6.6.6, 203.0.113.7", 1, "203.0.113.7"],
    ["1.1.1.1,2.2.2.2 ,  203.0.113.7", 1, "203.0.113.7"],
    // A CDN then a load balancer: the CDN's record of the client is second from the right.
    ["6.6.6.6, 203.0.113.7, 192.0.2.10", 2, "203.0.113.7"],
    ["2001:db8::1, 192.0.2.10", 2, "2001:db8::1"],
    // Next.js's own fill from the socket when no proxy sent the header.
    ["::ffff:203.0.113.7", 1, "::ffff:203.0.113.7"],
  ])("%s with %i hop(s): %s", (header, hops, expected) => {
    expect(forwardedClientIp(header, hops)).toBe(expected);
  });

  it.each([
    ["no header", null, 1],
    ["an empty header", "", 1],
    ["fewer entries than proxies (the request went around one)", "203.0.113.7", 2],
    ["an empty entry where the client should be", "6.6.6.6, , 192.0.2.10", 2],
    ["not an address", "unknown", 1],
    ["an address with a port", "203.0.113.7:4711", 1],
  ])("%s: no address", (_, header, hops) => {
    expect(forwardedClientIp(header, hops)).toBeNull();
  });
});
