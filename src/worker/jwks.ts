/**
 * The web tier's public keys as jwtVerify's key lookup: a fixed key set (tests,
 * benchmarks), or one read from the key store (the jwks table, key-store.ts),
 * kept in memory, re-read in the background, and re-read at once when a token
 * names a key id the worker has not seen (key rotation).
 *
 * Why the worker does not fetch the web tier's JWKS URL: a busy web tier made
 * the fetch time out, and calls it could have verified failed with 503 (issue
 * 21). The database it already needs for revocation holds the same public
 * halves (docs/decisions/0025).
 *
 * Rotation without a failed call: Better Auth signs with a new key the moment
 * it has committed it, so the first tokens with a new kid reach the worker
 * before its next background read. A call with an unknown kid therefore waits
 * for the next read the cooldown allows, instead of failing, and is looked up
 * again on the fresh set. All calls waiting share that one read, so a forged
 * kid costs the database at most one small query per cooldown however many
 * calls carry it; it then fails with no matching key (unknown_key).
 *
 * Retirement: each key carries the instant it stops verifying (a retired
 * key's grace, key-store.ts); past it the key is left out of the set, without
 * waiting for a read, and tokens the verifier remembers stop being answered
 * (`usable`).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from "jose";

import { errorMessage } from "~/contract/error-message";

/** The public keys could not be read: the worker's fault, not the token's. */
export class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
}

/** One public key and until when it verifies. */
export interface PublicKey {
  /** The JWK as Better Auth publishes it: kid, alg and crv included. */
  jwk: JWK & { kid: string };
  /** Epoch ms; Infinity for a key that never retires. */
  usableUntil: number;
}

export interface KeySource {
  /**
   * jwtVerify's key lookup: the key for the token's kid, or jose's
   * JWKSNoMatchingKey / JWKSMultipleMatchingKeys, or KeysUnavailable.
   */
  lookup: JWTVerifyGetKey;
  /** Whether the key `kid` still verifies now, from memory: the verified-token cache asks before each answer. */
  usable(kid: string): boolean;
  /** True when the keys have been read recently (reading them if not): /readyz. */
  ready(): Promise<boolean>;
  /** Reads the keys now and then every refresh interval; `stop` ends that. */
  start(): void;
  stop(): void;
}

export function staticKeySource(jwks: JSONWebKeySet): KeySource {
  const lookup = createLocalJWKSet(jwks);
  const kids = new Set(jwks.keys.map((key) => key.kid));
  // Nothing to read, so nothing to refresh.
  const idle = () => undefined;
  return { lookup, usable: (kid) => kids.has(kid), ready: async () => true, start: idle, stop: idle };
}

export interface StoredKeySourceOptions {
  /**
   * Least time between the starts of two reads caused by unknown kids (or
   * by the background refresh): the longest a new key's first calls wait,
   * and the most often forged kids can make the worker read.
   */
  cooldownMs: number;
  /**
   * Time between two background reads: how soon a key deleted from the
   * table stops verifying; /readyz calls the keys not ready when no read has
   * succeeded for twice this.
   */
  refreshMs?: number;
  /** Told about each failed background read (logging); the last keys read stay in use. */
  onRefreshError?: (error: unknown) => void;
}

/** The key source of a running worker: `read` is the key store's. */
export function storedKeySource(
  read: () => Promise<PublicKey[]>,
  { cooldownMs, refreshMs = 10_000, onRefreshError }: StoredKeySourceOptions,
): KeySource {
  let keys: PublicKey[] | undefined;
  let lookupKey: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  let usableUntil = new Map<string, number>();
  // The first instant a key in the set retires: the set is rebuilt then.
  let nextRetirement = Infinity;
  // When the read that gave `keys` started (performance.now(), monotonic):
  // keys committed before then are in it.
  let keysAsOf = -Infinity;
  // When the last read started, whether it worked or not: the cooldown runs
  // from there, so a database that is down is not asked more often either.
  let lastReadAt = -Infinity;
  let reading: Promise<void> | undefined;
  let rereading: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  /** The set without the keys retired by now. */
  function install(all: PublicKey[], now: number) {
    const current = all.filter((key) => key.usableUntil > now);
    lookupKey = createLocalJWKSet({ keys: current.map((key) => key.jwk) });
    usableUntil = new Map(current.map((key) => [key.jwk.kid, key.usableUntil]));
    nextRetirement = Math.min(Infinity, ...usableUntil.values());
  }

  function retireDue() {
    const now = Date.now();
    if (keys && now >= nextRetirement) install(keys, now);
  }

  /** One read at a time: callers arriving while one runs share it. */
  function readKeys(): Promise<void> {
    reading ??= (async () => {
      const startedAt = performance.now();
      lastReadAt = startedAt;
      try {
        keys = await read();
        keysAsOf = startedAt;
        install(keys, Date.now());
      } catch (error) {
        throw new KeysUnavailable(`Could not read the signing keys: ${errorMessage(error)}`, { cause: error });
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  /** The next read the cooldown allows, shared by every call waiting for it. */
  function rereadAfterCooldown(): Promise<void> {
    rereading ??= (async () => {
      try {
        const wait = lastReadAt + cooldownMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await readKeys();
      } finally {
        rereading = undefined;
      }
    })();
    return rereading;
  }

  function schedule(delay = refreshMs) {
    if (!running) return;
    // A timeout after each read, not an interval: a slow database never piles reads up.
    timer = setTimeout(() => {
      // A read for an unknown kid happened meanwhile: it counts.
      const due = lastReadAt + refreshMs - performance.now();
      if (due > 0) return schedule(due);
      readKeys()
        .catch((error: unknown) => onRefreshError?.(error))
        .finally(() => schedule());
    }, delay);
    timer.unref();
  }

  return {
    async lookup(header, token) {
      const askedAt = performance.now();
      if (keys === undefined) await readKeys();
      for (;;) {
        retireDue();
        try {
          return await lookupKey(header, token);
        } catch (error) {
          // The kid was committed before the token carrying it was signed, so
          // before this call arrived: a read started since then is the answer.
          // A retired key is not asked about again either: reading cannot bring it back.
          if (!(error instanceof errors.JWKSNoMatchingKey) || keysAsOf > askedAt) throw error;
          if (header.kid !== undefined && keys!.some((key) => key.jwk.kid === header.kid)) throw error;
        }
        await rereadAfterCooldown();
      }
    },

    usable(kid) {
      const until = usableUntil.get(kid);
      return until !== undefined && until > Date.now();
    },

    async ready() {
      if (keys !== undefined && performance.now() - keysAsOf < 2 * refreshMs) return true;
      try {
        await readKeys();
        return true;
      } catch {
        return false;
      }
    },

    start() {
      if (running) return;
      running = true;
      void readKeys()
        .catch((error: unknown) => onRefreshError?.(error))
        .finally(() => schedule());
    },

    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
