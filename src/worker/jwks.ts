/**
 * The web tier's public keys as jwtVerify's key lookup: a fixed key set, or
 * one fetched from the web tier's JWKS URL and refetched when a token names a
 * key id the worker has not seen (key rotation) or when the set grows old.
 *
 * Rotation without a failed call: Better Auth signs with a new key the moment
 * it creates it, so the first tokens with a new kid reach the worker before it
 * has refetched. A call with an unknown kid therefore waits for the next
 * refetch the cooldown allows, instead of failing, and is looked up again on
 * the fresh set. All calls waiting share that one refetch, so a forged kid
 * costs the web tier at most one JWKS fetch per cooldown however many calls
 * carry it; it then fails with no matching key (unknown_key).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

import { errorMessage } from "~/contract/error-message";

/** The public keys could not be fetched: the worker's fault, not the token's. */
export class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
}

export interface KeySource {
  /**
   * jwtVerify's key lookup: the key for the token's kid, or jose's
   * JWKSNoMatchingKey / JWKSMultipleMatchingKeys, or KeysUnavailable.
   */
  lookup: JWTVerifyGetKey;
  /** True when keys are loaded (fetching them if needed): /readyz. */
  ready(): Promise<boolean>;
}

export interface RemoteKeySourceOptions {
  /**
   * Least time between the starts of two fetches caused by unknown kids: the
   * longest a new key's first calls wait, and the most often forged kids can
   * make the worker fetch.
   */
  cooldownMs: number;
  /** Age after which the set is fetched again before use, so a key the web tier withdrew stops verifying. */
  maxAgeMs?: number;
  /** A fetch taking longer fails the calls waiting on it with KeysUnavailable. */
  timeoutMs?: number;
}

export function staticKeySource(jwks: JSONWebKeySet): KeySource {
  const lookup = createLocalJWKSet(jwks);
  return { lookup, ready: async () => true };
}

export function remoteKeySource(
  url: URL,
  { cooldownMs, maxAgeMs = 10 * 60_000, timeoutMs = 3_000 }: RemoteKeySourceOptions,
): KeySource {
  let keys: JWTVerifyGetKey | undefined;
  // When the fetch that gave `keys` started: keys published before then are in it.
  let keysAsOf = -Infinity;
  // When the last fetch started, whether it worked or not: the cooldown runs
  // from there, so an unreachable web tier is not asked more often either.
  let lastFetchAt = -Infinity;
  let fetching: Promise<void> | undefined;
  let refetching: Promise<void> | undefined;

  /** One fetch at a time: callers arriving while one runs share it. */
  function fetchKeys(): Promise<void> {
    fetching ??= (async () => {
      const startedAt = Date.now();
      lastFetchAt = startedAt;
      try {
        keys = createLocalJWKSet(await download(url, timeoutMs));
        keysAsOf = startedAt;
      } catch (error) {
        throw new KeysUnavailable(`Could not load the signing keys: ${errorMessage(error)}`);
      } finally {
        fetching = undefined;
      }
    })();
    return fetching;
  }

  /** The next fetch the cooldown allows, shared by every call waiting for it. */
  function refetchAfterCooldown(): Promise<void> {
    refetching ??= (async () => {
      try {
        const wait = lastFetchAt + cooldownMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await fetchKeys();
      } finally {
        refetching = undefined;
      }
    })();
    return refetching;
  }

  const fresh = () => keys !== undefined && Date.now() - keysAsOf < maxAgeMs;

  return {
    async lookup(header, token) {
      const askedAt = Date.now();
      if (!fresh()) await fetchKeys();
      for (;;) {
        try {
          return await keys!(header, token);
        } catch (error) {
          // The kid was published before the token carrying it was minted, so
          // before this call arrived: a set fetched since then is the answer.
          if (!(error instanceof errors.JWKSNoMatchingKey) || keysAsOf >= askedAt) throw error;
        }
        await refetchAfterCooldown();
      }
    },

    async ready() {
      if (fresh()) return true;
      try {
        await fetchKeys();
        return true;
      } catch {
        return false;
      }
    },
  };
}

async function download(url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await fetch(url, {
    headers: { accept: "application/json, application/jwk-set+json" },
    // A redirect could point the worker at keys someone else controls.
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) throw new Error(`${url.href} answered ${response.status}`);
  return (await response.json()) as JSONWebKeySet;
}
