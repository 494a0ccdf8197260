import { afterEach, describe, expect, it } from "vitest";

import { createRevocationCheck, SessionsUnavailable, type RevocationCheck } from "./revocation";
import type { SessionStore, StoredSession } from "./session-store";
import { TokenRejected } from "./verify";

/** The session table in memory, counting queries and the ids each carried. */
function memoryStore(rows: Record<string, StoredSession> = {}) {
  const queries: string[][] = [];
  let down = false;
  const store: SessionStore = {
    async find(ids) {
      queries.push([...ids]);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return new Map(ids.filter((id) => rows[id]).map((id) => [id, rows[id]!]));
    },
  };
  return {
    store,
    rows,
    queries,
    setDown(value: boolean) {
      down = value;
    },
  };
}

const inOneHour = () => Date.now() + 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

let check: RevocationCheck | undefined;
afterEach(() => check?.stop());

describe("revocation check", () => {
  it("looks a session up once, then answers from memory", async () => {
    const db = memoryStore({ s1: { userId: "u1", expiresAt: inOneHour() } });
    check = createRevocationCheck({ store: db.store, pollMs: 10_000 });
    check.start();
    await Promise.all(Array.from({ length: 50 }, () => check!.check("s1", "u1")));
    await check.check("s1", "u1");
    expect(db.queries).toEqual([["s1"]]);
  });

  it("first sights in the same tick share one query", async () => {
    const db = memoryStore({ a: { userId: "u", expiresAt: inOneHour() }, b: { userId: "u", expiresAt: inOneHour() } });
    check = createRevocationCheck({ store: db.store, pollMs: 10_000 });
    check.start();
    await Promise.all([check.check("a", "u"), check.check("b", "u"), check.check("a", "u")]);
    expect(db.queries).toEqual([["a", "b"]]);
  });

  it("refuses a session that does not exist, belongs to someone else, or has expired", async () => {
    const db = memoryStore({
      mine: { userId: "u1", expiresAt: inOneHour() },
      old: { userId: "u1", expiresAt: Date.now() - 1 },
    });
    check = createRevocationCheck({ store: db.store });
    check.start();
    for (const [sid, uid] of [
      ["gone", "u1"],
      ["mine", "u2"],
      ["old", "u1"],
    ] as const) {
      const error = await rejection(check.check(sid, uid));
      expect(error).toBeInstanceOf(TokenRejected);
      expect((error as TokenRejected).reason).toBe("revoked");
    }
  });

  it("refuses a live session's id presented under another user's id, from memory", async () => {
    const db = memoryStore({ s1: { userId: "u1", expiresAt: inOneHour() } });
    check = createRevocationCheck({ store: db.store, pollMs: 10_000 });
    check.start();
    await check.check("s1", "u1");
    const error = await rejection(check.check("s1", "u2"));
    expect(error).toBeInstanceOf(TokenRejected);
    expect((error as TokenRejected).reason).toBe("revoked");
    // Decided from what memory holds, not by a second lookup.
    expect(db.queries).toEqual([["s1"]]);
  });

  it("a session deleted after its first call is refused after the next poll", async () => {
    const db = memoryStore({ s1: { userId: "u1", expiresAt: inOneHour() } });
    check = createRevocationCheck({ store: db.store, pollMs: 20 });
    check.start();
    await check.check("s1", "u1");
    delete db.rows.s1;
    const deletedAt = performance.now();
    let refusedAfter: number | undefined;
    while (refusedAfter === undefined && performance.now() - deletedAt < 1_000) {
      try {
        await check.check("s1", "u1");
        await sleep(2);
      } catch (error) {
        expect((error as TokenRejected).reason).toBe("revoked");
        refusedAfter = performance.now() - deletedAt;
      }
    }
    expect(refusedAfter).toBeDefined();
    expect(refusedAfter!).toBeLessThan(200);
    // Remembered: no query for the revoked session's later calls.
    const queries = db.queries.length;
    await expect(check.check("s1", "u1")).rejects.toThrow(TokenRejected);
    expect(db.queries.length).toBe(queries);
  });

  it("a session whose expiry is moved into the past is refused (expiry, or a revoke by UPDATE)", async () => {
    const db = memoryStore({ s1: { userId: "u1", expiresAt: inOneHour() } });
    check = createRevocationCheck({ store: db.store, pollMs: 20 });
    check.start();
    await check.check("s1", "u1");
    db.rows.s1 = { userId: "u1", expiresAt: Date.now() - 1 };
    await sleep(80);
    await expect(check.check("s1", "u1")).rejects.toThrow(/signed out or revoked/);
  });

  it("a late poll (the event loop was busy, say) is no 503: a stale session is read again, and a revoked one refused", async () => {
    const db = memoryStore({
      s1: { userId: "u1", expiresAt: inOneHour() },
      s2: { userId: "u1", expiresAt: inOneHour() },
    });
    // A clock the test moves: the poll never runs (10 s), so the
    // confirmation goes stale as if the process had stalled.
    let clock = Date.now();
    check = createRevocationCheck({ store: db.store, pollMs: 10_000, maxStaleMs: 100, now: () => clock });
    check.start();
    await check.check("s1", "u1");
    await check.check("s2", "u1");
    db.queries.length = 0;
    clock += 500;
    await check.check("s1", "u1");
    expect(db.queries).toEqual([["s1"]]);
    delete db.rows.s2;
    await expect(check.check("s2", "u1")).rejects.toThrow(/signed out or revoked/);
  });

  it("the database down: a first sight is a 503, and so is a live session once its confirmation is stale", async () => {
    const db = memoryStore({
      s1: { userId: "u1", expiresAt: inOneHour() },
      s2: { userId: "u1", expiresAt: inOneHour() },
    });
    check = createRevocationCheck({ store: db.store, pollMs: 20, maxStaleMs: 100 });
    check.start();
    await check.check("s1", "u1");
    db.setDown(true);
    expect(await rejection(check.check("s2", "u1"))).toBeInstanceOf(SessionsUnavailable);
    // Still trusted within maxStaleMs…
    await check.check("s1", "u1");
    await sleep(200);
    // …not after.
    expect(await rejection(check.check("s1", "u1"))).toBeInstanceOf(SessionsUnavailable);
    expect(await check.ready()).toBe(false);
    db.setDown(false);
    await sleep(80);
    await check.check("s1", "u1");
    expect(await check.ready()).toBe(true);
  });

  it("holds at most maxEntries sessions, and forgets idle ones", async () => {
    const rows = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`s${i}`, { userId: "u", expiresAt: inOneHour() }]),
    );
    const db = memoryStore(rows);
    check = createRevocationCheck({ store: db.store, pollMs: 20, maxEntries: 10, idleMs: 50 });
    check.start();
    for (let i = 0; i < 30; i++) await check.check(`s${i}`, "u");
    expect(check.size.live).toBe(10);
    await sleep(150);
    expect(check.size.live).toBe(0);
    // Forgotten is not refused: the next call looks it up again.
    await check.check("s3", "u");
    expect(check.size.live).toBe(1);
  });
});
