import { afterEach, describe, expect, it } from "vitest";

import { createSessionCache, type SessionCache, type SessionRowVersion, type SessionShape } from "./session-cache";

const UPDATE_AGE_S = 3600;
const EXPIRES_IN_S = 7 * 24 * 3600;

interface Row {
  userId: string;
  expiresAt: number;
  sessionUpdatedAt: number;
  userUpdatedAt: number;
  name: string;
}

/** The session and user tables in memory, counting the poll's queries and the ids each carried. */
function memoryDatabase() {
  const rows = new Map<string, Row>();
  const queries: string[][] = [];
  let down = false;
  return {
    rows,
    queries,
    setDown(value: boolean) {
      down = value;
    },
    /** A session as Better Auth reads it, from its row now. */
    read(sessionId: string): SessionShape | null {
      const row = rows.get(sessionId);
      if (!row || row.expiresAt <= Date.now()) return null;
      return {
        session: {
          id: sessionId,
          userId: row.userId,
          expiresAt: new Date(row.expiresAt),
          updatedAt: new Date(row.sessionUpdatedAt),
        },
        user: { id: row.userId, updatedAt: new Date(row.userUpdatedAt), name: row.name } as SessionShape["user"],
      };
    },
    store: {
      async versions(ids: string[]) {
        queries.push([...ids]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        const found = new Map<string, SessionRowVersion>();
        for (const id of ids) {
          const row = rows.get(id);
          if (row) found.set(id, { ...row, rowHash: `${row.name}|${row.expiresAt}` });
        }
        return found;
      },
    },
  };
}

/** A session made now: its expiry is a fresh one, so no refresh is due for updateAge. */
function freshRow(userId = "u1", name = "Ada"): Row {
  const at = Date.now();
  return { userId, expiresAt: at + EXPIRES_IN_S * 1000, sessionUpdatedAt: at, userUpdatedAt: at, name };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most 5 s: a busy machine delays timers) until `condition` holds. */
async function until(condition: () => boolean) {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await sleep(5);
  }
}

let cache: SessionCache<SessionShape> | undefined;
afterEach(() => cache?.stop());

function setUp(options: Partial<Parameters<typeof createSessionCache>[0]> = {}) {
  const db = memoryDatabase();
  const loads: string[] = [];
  const ended: string[] = [];
  cache = createSessionCache<SessionShape>({
    store: db.store,
    updateAgeSeconds: UPDATE_AGE_S,
    expiresInSeconds: EXPIRES_IN_S,
    pollMs: 20,
    onEnded: (id) => ended.push(id),
    ...options,
  });
  const c = cache;
  /** What a request with cookie `key` (naming session `key`) gets. */
  const read = (key: string) =>
    c.read(key, async () => {
      loads.push(key);
      // The database answers as of when the read was sent.
      const value = db.read(key);
      await sleep(1);
      return value;
    });
  return { db, cache: c, read, loads, ended };
}

describe("session cache", () => {
  it("reads a session once, then answers from memory; concurrent first reads share one", async () => {
    const { db, read, loads } = setUp({ pollMs: 10_000 });
    db.rows.set("s1", freshRow());
    const answers = await Promise.all(Array.from({ length: 20 }, () => read("s1")));
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]?.session.id).toBe("s1");
    expect(await read("s1")).toBe(answers[0]);
    expect(loads).toEqual(["s1"]);
  });

  it("hands out a frozen value: one request cannot change another's session", async () => {
    const { db, read } = setUp();
    db.rows.set("s1", freshRow());
    const session = (await read("s1"))!;
    expect(Object.isFrozen(session) && Object.isFrozen(session.user) && Object.isFrozen(session.session)).toBe(true);
  });

  it("does not hold a signed-out answer: the next read asks again", async () => {
    const { read, loads } = setUp();
    expect(await read("nobody")).toBeNull();
    expect(await read("nobody")).toBeNull();
    expect(loads).toEqual(["nobody", "nobody"]);
  });

  it("drops a session deleted elsewhere within one poll, and says it ended", async () => {
    const { db, read, loads, ended } = setUp();
    db.rows.set("s1", freshRow());
    await read("s1");
    db.rows.delete("s1");
    await until(() => ended.length > 0);
    expect(ended).toEqual(["s1"]);
    expect(await read("s1")).toBeNull();
    expect(loads).toEqual(["s1", "s1"]);
  });

  it("drops a session whose row expired", async () => {
    const { db, read, ended } = setUp();
    db.rows.set("s1", freshRow());
    await read("s1");
    db.rows.get("s1")!.expiresAt = Date.now() - 1;
    await until(() => ended.length > 0);
    expect(ended).toEqual(["s1"]);
    expect(await read("s1")).toBeNull();
  });

  it("re-reads a session whose user changed elsewhere (updatedAt), keeping nothing stale", async () => {
    const { db, cache, read, loads } = setUp();
    db.rows.set("s1", freshRow("u1", "Ada"));
    await read("s1");
    Object.assign(db.rows.get("s1")!, { name: "Grace", userUpdatedAt: Date.now() + 5 });
    await until(() => cache.size === 0);
    expect((await read("s1"))?.user).toMatchObject({ name: "Grace" });
    expect(loads).toEqual(["s1", "s1"]);
  });

  it("re-reads a session whose row changed by hand without updatedAt (the rows' hash), once it has been polled", async () => {
    const { db, cache, read, loads } = setUp();
    db.rows.set("s1", freshRow("u1", "Ada"));
    await read("s1");
    await until(() => db.queries.length >= 2); // the first poll has learnt the hash
    db.rows.get("s1")!.name = "Grace";
    await until(() => cache.size === 0);
    expect((await read("s1"))?.user).toMatchObject({ name: "Grace" });
    expect(loads).toEqual(["s1", "s1"]);
  });

  it("after this process writes, a held session waits for one poll that started after the write", async () => {
    const { db, cache, read, loads } = setUp({ pollMs: 10_000 });
    db.rows.set("kept", freshRow("u1"));
    db.rows.set("gone", freshRow("u2"));
    await Promise.all([read("kept"), read("gone")]);
    expect(db.queries).toEqual([]);

    db.rows.delete("gone");
    cache.written();
    // No waiting for the 10 s poll: both requests share one query, made now.
    expect(await read("gone")).toBeNull();
    expect((await read("kept"))?.session.id).toBe("kept");
    expect(db.queries).toHaveLength(1);
    expect(loads).toEqual(["kept", "gone", "gone"]);
  });

  it("a read that began before this process's write is not shared with a request after it", async () => {
    const { db, cache, read } = setUp({ pollMs: 10_000 });
    db.rows.set("s1", freshRow());
    const before = read("s1");
    db.rows.delete("s1");
    cache.written();
    const after = read("s1");
    expect((await before)?.session.id).toBe("s1");
    expect(await after).toBeNull();
  });

  it("goes back to Better Auth when a refresh is due or the session has expired", async () => {
    const { db, read, loads } = setUp({ pollMs: 10_000 });
    // Made more than updateAge ago: Better Auth would write a new expiry.
    const old = { ...freshRow(), expiresAt: Date.now() + EXPIRES_IN_S * 1000 - UPDATE_AGE_S * 1000 + 30 };
    db.rows.set("s1", old);
    await read("s1");
    await sleep(60);
    await read("s1");
    expect(loads).toEqual(["s1", "s1"]);
  });

  it("trusts nothing from memory once the poll has failed for longer than maxStaleMs, and says so", async () => {
    // What the process-wide database availability state is told (auth.ts).
    const reports: string[] = [];
    const report = (what: string) => {
      if (reports.at(-1) !== what) reports.push(what);
    };
    const { db, read, loads } = setUp({
      maxStaleMs: 300,
      onReached: () => report("reached"),
      onPollError: () => report("failed"),
    });
    db.rows.set("s1", freshRow());
    await read("s1");
    db.setDown(true);
    await until(() => db.queries.length >= 1);
    await read("s1"); // one poll failed, but within maxStaleMs: from memory
    expect(loads).toEqual(["s1"]);
    await sleep(350);
    await read("s1"); // Better Auth's read (the database is back for it)
    expect(loads).toEqual(["s1", "s1"]);
    // The reads succeeded, the polls failed: each said so.
    expect(reports.slice(0, 2)).toEqual(["reached", "failed"]);

    db.setDown(false);
    await until(() => db.queries.length > 0 && reports.at(-1) === "reached");
  });

  it("a read that fails is not held and fails the request, as Better Auth's read did", async () => {
    const { cache } = setUp();
    await expect(cache.read("s1", () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(cache.size).toBe(0);
  });

  it("holds at most maxEntries, forgets sessions unused for idleMs, and polls only while it holds some", async () => {
    const { db, cache, read } = setUp({ maxEntries: 3, idleMs: 200 });
    for (const id of ["a", "b", "c", "d"]) db.rows.set(id, freshRow());
    for (const id of ["a", "b", "c", "d"]) await read(id);
    expect(cache.size).toBe(3);
    await until(() => db.queries.length >= 1);
    expect(db.queries[0]?.sort()).toEqual(["b", "c", "d"]);

    await until(() => cache.size === 0);
    const queried = db.queries.length;
    await sleep(100);
    expect(db.queries.length).toBe(queried);
  });
});
