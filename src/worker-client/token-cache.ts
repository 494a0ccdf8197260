import type { WorkerToken } from "~/contract/worker-token";

/**
 * Worker tokens held per session, in memory only. The web tier's server link
 * and the browser's direct worker client both use this, so the rules are the
 * same on both paths:
 * - a token is reused until `refreshMarginMs` before it expires, so a call
 *   never leaves with a token that may die in flight;
 * - one mint at a time per key: concurrent callers share the pending mint;
 * - `drop` forgets a key (sign-out, or the worker said 401), including a mint
 *   still in flight, whose result is then handed to its waiters but not kept.
 */
export interface TokenCache {
  get(key: string, mint: () => Promise<WorkerToken>): Promise<WorkerToken>;
  drop(key: string): void;
  clear(): void;
  /** Whether a token (or a mint) is held for `key`. */
  has(key: string): boolean;
  readonly size: number;
}

export interface TokenCacheOptions {
  refreshMarginMs?: number;
  /** Upper bound on sessions held; the oldest entry goes first. */
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_REFRESH_MARGIN_MS = 60_000;

interface Entry {
  token?: WorkerToken;
  pending?: Promise<WorkerToken>;
}

export function createTokenCache(options: TokenCacheOptions = {}): TokenCache {
  const { refreshMarginMs = DEFAULT_REFRESH_MARGIN_MS, maxEntries = 10_000, now = Date.now } = options;
  const entries = new Map<string, Entry>();

  function usable(token: WorkerToken | undefined): token is WorkerToken {
    return token !== undefined && token.expiresAt - refreshMarginMs > now();
  }

  return {
    get(key, mint) {
      const entry = entries.get(key);
      if (usable(entry?.token)) return Promise.resolve(entry.token);
      if (entry?.pending) return entry.pending;

      const fresh: Entry = {};
      fresh.pending = mint().then(
        (token) => {
          // Keep it only if nobody dropped or replaced this entry meanwhile.
          if (entries.get(key) === fresh) fresh.token = token;
          fresh.pending = undefined;
          return token;
        },
        (error: unknown) => {
          if (entries.get(key) === fresh) entries.delete(key);
          throw error;
        },
      );
      entries.delete(key);
      entries.set(key, fresh);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return fresh.pending;
    },
    drop(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    has(key) {
      return entries.has(key);
    },
    get size() {
      return entries.size;
    },
  };
}
