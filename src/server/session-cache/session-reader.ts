import type { SessionCache, SessionShape } from "./session-cache";
import { singleCookieValue } from "./session-cookie";

/** What the reader needs of a Better Auth instance. */
export interface SessionSource<V> {
  $context: Promise<{ authCookies: { sessionToken: { name: string } } }>;
  api: { getSession(input: { headers: Headers }): Promise<V | null> };
}

/**
 * A request's session (null when signed out) through `cache`, keyed by the
 * session cookie as sent; a request with no such cookie, or with it twice,
 * goes to Better Auth as before (`source.api.getSession`), which also reads
 * every session the cache does not hold or trust.
 */
export function cachedSessionReader<V extends SessionShape>(source: SessionSource<V>, cache: SessionCache<V>) {
  let cookieName: Promise<string> | undefined;
  return async function readSession(headers: Headers): Promise<V | null> {
    const read = () => source.api.getSession({ headers });
    cookieName ??= source.$context.then(
      (context) => context.authCookies.sessionToken.name,
      (error: unknown) => {
        cookieName = undefined;
        throw error;
      },
    );
    const key = singleCookieValue(headers.get("cookie"), await cookieName);
    return key === undefined ? read() : cache.read(key, read);
  };
}
