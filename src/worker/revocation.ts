/**
 * Revocation: a verified token is only as good as the session it was minted
 * for. Signing out, revoking sessions, changing the password, deleting the
 * user (through Better Auth or straight in the database) and session expiry
 * all end the session row; this check makes every worker refuse that
 * session's tokens within about one poll interval (250 ms by default).
 *
 * How, without a database round trip per call (docs/decisions/0008):
 * - the first call of a session looks it up (one query, shared by every
 *   call that arrives meanwhile), so a restarted worker is right from its
 *   first request;
 * - from then on the session is "live" in memory, and one query per poll
 *   re-reads every live session at once; a session that is gone or expired
 *   moves to the revoked set;
 * - if no poll has succeeded for longer than `maxStaleMs`, a call's session
 *   is read again (one query shared by the calls of that tick) rather than
 *   trusted from memory; if that read fails too, the call fails with
 *   SessionsUnavailable (503).
 * Memory is bounded: sessions unused for `idleMs` are forgotten (looked up
 * again on their next call), and both sets hold at most `maxEntries`.
 */
import { TokenRejected } from "./verify";
import type { SessionStore } from "./session-store";

/** The session table could not be read: the worker's fault, not the token's (503). */
export class SessionsUnavailable extends Error {
  override name = "SessionsUnavailable";
}

export interface RevocationCheckOptions {
  store: SessionStore;
  /** Time between two re-reads of the live sessions: the revocation latency. */
  pollMs?: number;
  /** Oldest confirmation of a live session still trusted; older → 503. */
  maxStaleMs?: number;
  /** A live session unused this long is forgotten. */
  idleMs?: number;
  /** Upper bound on the live and on the revoked sessions held. */
  maxEntries?: number;
  /** Told about each failed poll (logging); the poll goes on. */
  onPollError?: (error: unknown) => void;
  now?: () => number;
}

export interface RevocationCheck {
  /** Resolves when `sessionId` (of `userId`) is live; throws TokenRejected("revoked") or SessionsUnavailable. */
  check(sessionId: string, userId: string): Promise<void>;
  /** Starts polling; `stop` ends it (and closes nothing else). */
  start(): void;
  stop(): void;
  /** Whether the session table can be read now: /readyz. */
  ready(): Promise<boolean>;
  /** Live and revoked sessions held (for tests and the bench). */
  readonly size: { live: number; revoked: number };
}

interface Live {
  userId: string;
  expiresAt: number;
  lastUsed: number;
}

const REVOKED = new TokenRejected("revoked", "This session has been signed out or revoked.");

export function createRevocationCheck(options: RevocationCheckOptions): RevocationCheck {
  const {
    store,
    pollMs = 250,
    maxStaleMs = 1_000,
    idleMs = 60_000,
    maxEntries = 50_000,
    onPollError,
    now = Date.now,
  } = options;

  const live = new Map<string, Live>();
  // Session ids are never reused: once gone, gone for good. Remembering them
  // only saves a lookup per call for a revoked token still being replayed.
  const revoked = new Set<string>();
  // When the last successful poll started: every live entry was confirmed
  // at least then.
  let confirmedAt = now();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  // First-sight lookups that arrive in the same tick share one query.
  let batch: { ids: Set<string>; result: Promise<Map<string, { userId: string; expiresAt: number }>> } | undefined;

  function remember<K>(set: { size: number; keys(): IterableIterator<K>; delete(key: K): boolean }) {
    // Map and Set iterate in insertion order: the oldest goes first.
    while (set.size > maxEntries) set.delete(set.keys().next().value as K);
  }

  function revoke(sessionId: string) {
    live.delete(sessionId);
    revoked.add(sessionId);
    remember(revoked);
  }

  function lookUp(sessionId: string) {
    if (!batch) {
      const ids = new Set<string>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        batch = undefined;
        return store.find([...ids]);
      });
      batch = { ids, result };
    }
    batch.ids.add(sessionId);
    return batch.result;
  }

  async function poll() {
    const started = now();
    for (const [id, entry] of live) if (started - entry.lastUsed > idleMs) live.delete(id);
    const ids = [...live.keys()];
    try {
      const found = await store.find(ids);
      for (const id of ids) {
        const stored = found.get(id);
        if (!stored || stored.expiresAt <= now()) revoke(id);
        else {
          const entry = live.get(id);
          // Better Auth pushes expiresAt forward as a session is used.
          if (entry) entry.expiresAt = stored.expiresAt;
        }
      }
      confirmedAt = started;
    } catch (error) {
      onPollError?.(error);
    }
  }

  function schedule() {
    if (!running) return;
    // A timeout after each poll, not an interval: a slow database never
    // piles polls up.
    timer = setTimeout(() => void poll().finally(schedule), pollMs);
    timer.unref();
  }

  return {
    async check(sessionId, userId) {
      if (revoked.has(sessionId)) throw REVOKED;
      const entry = live.get(sessionId);
      const at = now();
      if (entry) {
        if (entry.userId !== userId || entry.expiresAt <= at) {
          revoke(sessionId);
          throw REVOKED;
        }
        // Fresh enough: answered from memory. Otherwise the poll is late (the
        // database is slow or down, or this process's event loop was busy)
        // and the session is read again below before the call goes on: a
        // stale "live" is never trusted, and a late poll alone is no 503.
        if (at - confirmedAt <= maxStaleMs) {
          entry.lastUsed = at;
          return;
        }
      }

      let found;
      try {
        found = await lookUp(sessionId);
      } catch (error) {
        throw new SessionsUnavailable("The worker cannot check sessions right now: the database is not answering.", {
          cause: error,
        });
      }
      const stored = found.get(sessionId);
      if (stored?.userId !== userId || stored.expiresAt <= now()) {
        revoke(sessionId);
        throw REVOKED;
      }
      if (!revoked.has(sessionId)) {
        live.set(sessionId, { ...stored, lastUsed: now() });
        remember(live);
      }
    },

    start() {
      if (running) return;
      running = true;
      confirmedAt = now();
      schedule();
    },

    stop() {
      running = false;
      clearTimeout(timer);
    },

    async ready() {
      try {
        await store.find(["readiness-probe"]);
        return true;
      } catch {
        return false;
      }
    },

    get size() {
      return { live: live.size, revoked: revoked.size };
    },
  };
}
