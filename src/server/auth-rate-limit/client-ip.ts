import { isIP } from "node:net";

/**
 * The client's address in an X-Forwarded-For chain, given how many proxies
 * stand in front of the app: the entry that many places from the right.
 *
 * Each proxy appends the address it saw, so the right-most `hops` entries are
 * the proxies' and trustworthy, the one they name last is the client's, and
 * everything to its left is whatever the client sent. Next.js itself appends
 * nothing: it fills the header from the socket only when it is absent
 * (`??=` in next/dist/server/base-server.js), so without a proxy (hops 0)
 * the whole header may be the client's invention and no entry is believed.
 * A chain shorter than `hops` did not come through every proxy: no address.
 */
export function forwardedClientIp(forwardedFor: string | null, hops: number): string | null {
  if (hops < 1 || !forwardedFor) return null;
  const entries = forwardedFor.split(",").map((entry) => entry.trim());
  const entry = entries[entries.length - hops];
  return entry && isIP(entry) ? entry : null;
}
