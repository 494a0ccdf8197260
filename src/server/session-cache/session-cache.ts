/**
 * Sessions the web tier has read, held in memory and re-validated by one poll
 * (docs/decisions/0026): a request whose session is held is answered without
 * Better Auth (no HMAC check of the cookie, no database round trip), and every
 * way a session ends or changes is seen within about one poll interval.
 *
 * - A session is keyed by its signed cookie exactly as the request sent it;
 *   only a value Better Auth's own read accepted is ever held.
 * - Every `pollMs` one query re-reads the held sessions' rows and their users'
 *   (existence, expiry, updatedAt, a hash of both rows): a session that is gone,
 *   expired or changed in any column is dropped, so its next request reads it
 *   through Better Auth again.
 * - A write to sessions or users made by this process (`written`) makes every
 *   session held from before it wait for a poll that started after it: this
 *   process's own sign-outs and changes are seen by its very next request.
 * - A session is served from memory only while confirmed by a read or a poll
 *   less than `maxStaleMs` ago: if the database cannot be polled, requests read
 *   through Better Auth as they did before the cache (and fail as it fails).
 * - A session due for Better Auth's refresh (updateAge), or expired, is read
 *   through Better Auth, which writes the new expiry.
 * - Memory is bounded: sessions unused for `idleMs` are dropped, at most
 *   `maxEntries` are held (the oldest read goes first).
 */

/** What the cache needs of a held value: Better Auth's `{ session, user }` shape. */
export interface SessionShape {
  session: { id: string; userId: string; expiresAt: Date; updatedAt: Date };
  user: { id: string; updatedAt: Date };
}

/** A session row as the poll sees it, joined to its user. */
export interface SessionRowVersion {
  userId: string;
  expiresAt: number;
  sessionUpdatedAt: number;
  userUpdatedAt: number;
  /** A hash of both rows: any change to any column changes it. */
  rowHash: string;
}

export interface SessionVersionStore {
  /** The rows of those of `sessionIds` that exist. */
  versions(sessionIds: string[]): Promise<Map<string, SessionRowVersion>>;
}

export interface SessionCacheOptions {
  store: SessionVersionStore;
  /** Better Auth's session.updateAge and expiresIn, in seconds: when a session is due for refresh. */
  updateAgeSeconds: number;
  expiresInSeconds: number;
  pollMs?: number;
  maxStaleMs?: number;
  idleMs?: number;
  maxEntries?: number;
  /** A held session was found gone or expired (its worker token can go too). */
  onEnded?: (sessionId: string) => void;
  onPollError?: (error: unknown) => void;
  /** The database answered a poll or a read: the process's availability state stays fresh without probes of its own. */
  onReached?: () => void;
  now?: () => number;
}

export interface SessionCache<V extends SessionShape> {
  /**
   * The session `key` names: from memory when held and confirmed, otherwise
   * from `load` (Better Auth's read), which is then held. Concurrent loads of
   * one key share one call.
   */
  read(key: string, load: () => Promise<V | null>): Promise<V | null>;
  /** A write to sessions or users was made by this process: confirm what is held before trusting it. */
  written(): void;
  /** Stops polling and forgets everything (tests, shutdown). */
  stop(): void;
  readonly size: number;
}

interface Entry<V> {
  value: V;
  sessionId: string;
  userId: string;
  expiresAt: number;
  refreshAt: number;
  sessionUpdatedAt: number;
  userUpdatedAt: number;
  rowHash?: string;
  /** When this session was last confirmed (read or polled), and the write count then. */
  confirmedAt: number;
  confirmedWrites: number;
  lastUsed: number;
}

export function createSessionCache<V extends SessionShape>(options: SessionCacheOptions): SessionCache<V> {
  const {
    store,
    updateAgeSeconds,
    expiresInSeconds,
    pollMs = 250,
    maxStaleMs = 1_000,
    idleMs = 60_000,
    maxEntries = 10_000,
    onEnded,
    onPollError,
    onReached,
    now = Date.now,
  } = options;

  const entries = new Map<string, Entry<V>>();
  const loading = new Map<string, { result: Promise<V | null>; writes: number }>();
  // Writes this process has made to sessions or users (bumped after each).
  let writes = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let queuedPoll: Promise<void> | undefined;
  /** Served from memory only if confirmed recently, after this process's last write, and not due for refresh. */
  function trusted(entry: Entry<V>, at: number) {
    return at - entry.confirmedAt <= maxStaleMs && at < entry.refreshAt && at < entry.expiresAt;
  }

  /** Never rejects: a failed poll only leaves what is held unconfirmed. */
  async function poll() {
    try {
      await check();
    } catch (error) {
      onPollError?.(error);
    }
  }

  async function check() {
    const started = now();
    const writesAtStart = writes;
    for (const [key, entry] of entries) if (started - entry.lastUsed > idleMs) entries.delete(key);
    const held = [...entries];
    if (held.length === 0) return;
    const rows = await store.versions([...new Set(held.map(([, entry]) => entry.sessionId))]);
    onReached?.();
    const at = now();
    for (const [key, entry] of held) {
      // Replaced by a newer read meanwhile: that one is checked next time.
      if (entries.get(key) !== entry) continue;
      const row = rows.get(entry.sessionId);
      if (!row || row.expiresAt <= at || row.userId !== entry.userId) {
        entries.delete(key);
        onEnded?.(entry.sessionId);
        continue;
      }
      const unchanged =
        row.expiresAt === entry.expiresAt &&
        row.sessionUpdatedAt === entry.sessionUpdatedAt &&
        row.userUpdatedAt === entry.userUpdatedAt &&
        (entry.rowHash === undefined || entry.rowHash === row.rowHash);
      if (!unchanged) {
        entries.delete(key);
        continue;
      }
      // The first poll after a read learns the rows' hash (the read itself
      // had only updatedAt to go by): from then on a change to any column,
      // also one made by hand without touching updatedAt, is seen.
      entry.rowHash = row.rowHash;
      if (started > entry.confirmedAt) {
        entry.confirmedAt = started;
        entry.confirmedWrites = Math.max(entry.confirmedWrites, writesAtStart);
      }
    }
  }

  /** A poll that starts now, or right after the one running (which may have started before a write). */
  function pollNow(): Promise<void> {
    if (queuedPoll) return queuedPoll;
    if (!polling) {
      polling = poll().finally(() => (polling = undefined));
      return polling;
    }
    queuedPoll = polling.then(() => {
      queuedPoll = undefined;
      return pollNow();
    });
    return queuedPoll;
  }

  function schedule() {
    clearTimeout(timer);
    timer = undefined;
    // Nothing held, nothing to check: the poll sleeps until something is.
    if (entries.size === 0) return;
    // A timeout after each poll, not an interval: a slow database never piles polls up.
    timer = setTimeout(() => void pollNow().finally(schedule), pollMs);
    timer.unref();
  }

  function hold(key: string, value: V, readAt: number, writesAtRead: number) {
    const { session, user } = value;
    const expiresAt = session.expiresAt.getTime();
    entries.delete(key);
    entries.set(key, {
      value: frozen(value),
      sessionId: session.id,
      userId: session.userId,
      expiresAt,
      refreshAt: expiresAt - expiresInSeconds * 1000 + updateAgeSeconds * 1000,
      sessionUpdatedAt: session.updatedAt.getTime(),
      userUpdatedAt: user.updatedAt.getTime(),
      confirmedAt: readAt,
      confirmedWrites: writesAtRead,
      lastUsed: readAt,
    });
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    if (timer === undefined) schedule();
  }

  function load(key: string, read: () => Promise<V | null>): Promise<V | null> {
    // A read already under way is shared, unless this process has written
    // since it started (its answer may predate a sign-out this request follows).
    const pending = loading.get(key);
    if (pending?.writes === writes) return pending.result;
    const readAt = now();
    const writesAtRead = writes;
    const result = read()
      .then((value) => {
        onReached?.();
        // Only the latest read of a key is held (an older one may finish last).
        if (loading.get(key)?.result === result) {
          if (value) hold(key, value, readAt, writesAtRead);
          else entries.delete(key);
        }
        return value;
      })
      .finally(() => {
        if (loading.get(key)?.result === result) loading.delete(key);
      });
    loading.set(key, { result, writes: writesAtRead });
    return result;
  }

  return {
    async read(key, read) {
      let entry = entries.get(key);
      if (entry && trusted(entry, now()) && entry.confirmedWrites < writes) {
        // This process wrote to sessions or users since the session was
        // confirmed: one poll (shared by every request waiting) says whether
        // the write touched it.
        await pollNow();
        entry = entries.get(key);
      }
      if (entry && trusted(entry, now()) && entry.confirmedWrites >= writes) {
        entry.lastUsed = now();
        return entry.value;
      }
      return load(key, read);
    },

    written() {
      writes += 1;
    },

    stop() {
      clearTimeout(timer);
      timer = undefined;
      entries.clear();
    },

    get size() {
      return entries.size;
    },
  };
}

/** Shared by every request that reads it: nothing may change it in place. */
function frozen<V extends SessionShape>(value: V): V {
  Object.freeze(value.session);
  Object.freeze(value.user);
  return Object.freeze(value);
}
