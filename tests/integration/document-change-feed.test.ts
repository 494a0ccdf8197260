import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { createChangeFeed, type ChangeFeed, type FeedSubscription } from "~/worker/documents/change-feed";
import type { DocumentSummary } from "~/contract/document-summary";
import { insertDocument, insertUser, setProgress, TOUCH } from "../support/documents";

// The change feed against the run's database: the feed reads through one
// pool, the changes are written through another, as a second worker process
// would.

const databaseUrl = inject("databaseUrl");

let feedDb: WorkerDb;
let writer: WorkerDb;
let feed: ChangeFeed;

beforeAll(() => {
  feedDb = createWorkerDb(databaseUrl, { max: 2 });
  writer = createWorkerDb(databaseUrl, { max: 3 });
  feed = createChangeFeed({ db: feedDb, pollMs: 50 });
});

afterAll(async () => {
  feed.stop();
  await feedDb.close();
  await writer.close();
});

/** Everything `subscription` gets until `until` holds of it (or 5 s pass). */
async function collect(subscription: FeedSubscription, until: (got: DocumentSummary[]) => boolean, ms = 5_000) {
  const got: DocumentSummary[] = [];
  const signal = AbortSignal.timeout(ms);
  while (!until(got) && !signal.aborted) got.push(...(await subscription.take(signal)));
  return got;
}

/** Whatever else arrives within `ms`. */
async function quiet(subscription: FeedSubscription, ms = 400) {
  return collect(subscription, () => false, ms);
}

describe("document change feed", () => {
  it("delivers a user's changes to that user's subscribers only", async () => {
    const [alice, bob] = await Promise.all([insertUser(databaseUrl), insertUser(databaseUrl)]);
    const aliceSub = feed.subscribe(alice);
    const bobSub = feed.subscribe(bob);
    try {
      const doc = await insertDocument(writer, alice);
      const seq = await setProgress(writer, doc.id, 40);

      const got = await collect(aliceSub, (events) => events.some((e) => e.changeSeq === seq));
      expect(got.at(-1)).toMatchObject({ id: doc.id, progress: 40, status: "queued", changeSeq: seq });
      expect(got.at(-1)).not.toHaveProperty("userId");
      expect(await quiet(bobSub)).toEqual([]);
    } finally {
      aliceSub.close();
      bobSub.close();
    }
    expect(feed.size).toBe(0);
    expect(feed.polling).toBe(false);
  });

  it("delivers each (id, changeSeq) once, though every poll re-reads the lookback window", async () => {
    const user = await insertUser(databaseUrl);
    const subscription = feed.subscribe(user);
    try {
      const doc = await insertDocument(writer, user);
      const seqs: string[] = [];
      for (const progress of [10, 20, 30]) seqs.push(await setProgress(writer, doc.id, progress));
      const got = await collect(subscription, (events) => events.some((e) => e.changeSeq === seqs.at(-1)));
      // Ten more polls of the same window bring nothing new.
      got.push(...(await quiet(subscription, 600)));
      const keys = got.map((e) => `${e.id}@${e.changeSeq}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(got.at(-1)?.progress).toBe(30);
      // Changes never go backwards for one document.
      const mine = got.filter((e) => e.id === doc.id).map((e) => BigInt(e.changeSeq));
      expect(mine).toEqual([...mine].sort((a, b) => (a < b ? -1 : 1)));
    } finally {
      subscription.close();
    }
  });

  it("delivers a change whose lower changeSeq commits after a higher one was read", async () => {
    const user = await insertUser(databaseUrl);
    const [early, late] = [
      await insertDocument(writer, user, "early.md"),
      await insertDocument(writer, user, "late.md"),
    ];
    const subscription = feed.subscribe(user);
    try {
      await collect(subscription, (events) => events.some((e) => e.id === late.id));
      // Transaction 1 takes its changeSeq first but commits last: a reserved
      // value written later, with the "updatedAt" it would have had.
      const [{ seq: reserved }] = await writer.asWorker(
        async (tx) =>
          (
            await sql<{
              seq: string;
            }>`SELECT nextval(pg_get_serial_sequence('document', 'changeSeq'))::text AS seq`.execute(tx)
          ).rows as [{ seq: string }],
      );
      const higher = await setProgress(writer, late.id, 50);
      await collect(subscription, (events) => events.some((e) => e.changeSeq === higher));
      await writer.asWorker((tx) =>
        sql`UPDATE "document" SET "progress" = 70, "changeSeq" = ${reserved}, "updatedAt" = clock_timestamp() - interval '1 second' WHERE "id" = ${early.id}`.execute(
          tx,
        ),
      );
      expect(BigInt(reserved)).toBeLessThan(BigInt(higher));

      const got = await collect(subscription, (events) => events.some((e) => e.changeSeq === reserved));
      expect(got.filter((e) => e.id === early.id).map((e) => [e.progress, e.changeSeq])).toEqual([[70, reserved]]);
    } finally {
      subscription.close();
    }
  });

  it("delivers a change from two concurrent transactions committed out of order", async () => {
    const user = await insertUser(databaseUrl);
    const [first, second] = [
      await insertDocument(writer, user, "first.md"),
      await insertDocument(writer, user, "second.md"),
    ];
    const subscription = feed.subscribe(user);
    const slow = await writer.pool.connect();
    try {
      await collect(subscription, (events) => events.some((e) => e.id === second.id));
      await slow.query("BEGIN");
      await slow.query("SET LOCAL ROLE app_worker");
      const lower = (
        await slow.query<{ changeSeq: string }>(
          `UPDATE "document" SET "progress" = 5, ${TOUCH} WHERE "id" = $1 RETURNING "changeSeq"`,
          [first.id],
        )
      ).rows[0]!.changeSeq;
      const higher = await setProgress(writer, second.id, 6);
      await collect(subscription, (events) => events.some((e) => e.changeSeq === higher));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await slow.query("COMMIT");

      const got = await collect(subscription, (events) => events.some((e) => e.changeSeq === lower));
      expect(got.filter((e) => e.id === first.id).map((e) => e.changeSeq)).toEqual([lower]);
    } finally {
      slow.release();
      subscription.close();
    }
  });

  it("re-reads for a reconnect: higher changeSeqs and the lookback window", async () => {
    const user = await insertUser(databaseUrl);
    const doc = await insertDocument(writer, user);
    const seq = await setProgress(writer, doc.id, 90);
    const after = await feed.readSince(user, String(BigInt(seq) - 1n));
    expect(after.map((e) => e.changeSeq)).toEqual([seq]);
    // A changeSeq far ahead: still the lookback window's changes.
    expect((await feed.readSince(user, "999999999999")).map((e) => e.id)).toEqual([doc.id]);
    // Another user's documents never.
    expect(await feed.readSince(await insertUser(databaseUrl), "0")).toEqual([]);
  });

  it("keeps its subscribers waiting through failed polls and recovers", async () => {
    const errors: unknown[] = [];
    let broken = true;
    const flaky: WorkerDb = {
      pool: writer.pool,
      close: async () => undefined,
      asWorker: (work, options) =>
        broken ? Promise.reject(new Error("database down")) : writer.asWorker(work, options),
    };
    const lines: string[] = [];
    const log = {
      error: (obj: unknown, msg: string) => (errors.push(obj), lines.push(msg)),
      info: (_: unknown, msg: string) => lines.push(msg),
    };
    const flakyFeed = createChangeFeed({ db: flaky, pollMs: 20, log: log as never });
    const user = await insertUser(databaseUrl);
    const subscription = flakyFeed.subscribe(user);
    try {
      const doc = await insertDocument(writer, user);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // ~15 failed polls, one line.
      expect(errors).toHaveLength(1);
      broken = false;
      const got = await collect(subscription, (events) => events.some((e) => e.id === doc.id));
      expect(got.map((e) => e.id)).toContain(doc.id);
      expect(lines).toEqual(["document change feed poll failed", "document change feed recovered"]);
    } finally {
      subscription.close();
      flakyFeed.stop();
    }
  });

  it("ends a subscriber that falls too far behind", async () => {
    const small = createChangeFeed({ db: feedDb, pollMs: 20, maxPending: 2 });
    const user = await insertUser(databaseUrl);
    const subscription = small.subscribe(user);
    try {
      for (let i = 0; i < 3; i++) await insertDocument(writer, user);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(subscription.take()).rejects.toThrow(/reconnect/);
      expect(small.size).toBe(0);
    } finally {
      small.stop();
    }
  });
});
