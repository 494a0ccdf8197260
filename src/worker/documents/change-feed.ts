/**
 * The documents' change feed: one poller per worker process, running only
 * while at least one subscriber is open, that reads the documents changed
 * lately and hands each subscriber the summaries of its own user's documents.
 *
 * Why a lookback on "updatedAt" and not `changeSeq > cursor`: a row's
 * changeSeq (and "updatedAt", clock_timestamp()) is taken when it is written,
 * before its transaction commits, and transactions commit in any order. A
 * cursor on changeSeq would skip a row whose lower changeSeq became visible
 * after a higher one had been read. So every poll re-reads the rows changed
 * since the previous poll's start minus `lookbackMs` (5 s): a change is seen
 * as long as its transaction commits within that long of writing it. Each
 * subscriber drops what it already got, by (id, changeSeq): a document's row
 * only moves forward, so an event older than or equal to the one delivered
 * for that id is a duplicate.
 *
 * Works across processes with queries alone (no LISTEN/NOTIFY connection to
 * hold): the database is the only channel. Poll errors are logged (the first, then
 * at most one a minute) and the subscribers simply wait; the next successful
 * poll reads everything since the last successful one. Memory is bounded: a
 * subscriber remembers delivered ids for a few lookbacks only, and one that
 * falls `maxPending` documents behind is ended (its client reconnects and
 * re-reads from its last event id).
 */
import { sql } from "kysely";

import type { Logger } from "~/worker/logger";
import type { WorkerDb } from "../db";
import type { DocumentSummary } from "~/contract/document-summary";
import { SUMMARY_COLUMNS, toSummary } from "./summary";

export interface ChangeFeedOptions {
  db: WorkerDb;
  /** Time between the end of one poll and the start of the next. */
  pollMs?: number;
  /** How late a change's commit may land after it was written and still be seen. */
  lookbackMs?: number;
  /** Most undelivered documents one subscriber may hold before it is ended. */
  maxPending?: number;
  /** Where failed polls are reported (rate-limited). */
  log?: Pick<Logger, "error" | "info">;
  now?: () => number;
}

/** A subscriber fell too far behind, or the feed stopped: its client reconnects and re-reads. */
export class FeedClosed extends Error {
  override name = "FeedClosed";
}

export interface FeedSubscription {
  readonly userId: string;
  /**
   * Queues `summary` unless this subscriber already got it or a later
   * change of the same document (by changeSeq). Returns whether it queued.
   */
  offer(summary: DocumentSummary): boolean;
  /**
   * The queued summaries, in changeSeq order, once there are any; [] when
   * `signal` aborts first. Rejects with FeedClosed when the subscription was
   * ended by the feed.
   */
  take(signal?: AbortSignal): Promise<DocumentSummary[]>;
  close(): void;
}

export interface ChangeFeed {
  /** Starts a subscription to `userId`'s documents (and the poller, if it was idle). */
  subscribe(userId: string): FeedSubscription;
  /**
   * `userId`'s documents with changeSeq above `afterSeq`, plus those changed
   * within the lookback (which a client may have missed though their
   * changeSeq is lower), in changeSeq order: what a reconnecting client
   * replays before live events.
   */
  readSince(userId: string, afterSeq: string): Promise<DocumentSummary[]>;
  /** Open subscriptions, and whether the poller runs (tests, metrics). */
  readonly size: number;
  readonly polling: boolean;
  /** Ends every subscription and the poller. */
  stop(): void;
}

/** Remember a delivered (id, changeSeq) for this many lookbacks after the last poll that read it. */
const REMEMBER_LOOKBACKS = 3;
const ERROR_LOG_EVERY_MS = 60_000;

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { db, pollMs = 250, lookbackMs = 5_000, maxPending = 10_000, log, now = Date.now } = options;
  const byUser = new Map<string, Set<Subscription>>();
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  /** The database's clock at the start of the last successful poll. */
  let lastPollAt: Date | undefined;
  let failures = 0;
  let lastErrorLogAt = -Infinity;

  class Subscription implements FeedSubscription {
    /** id → the changeSeq delivered (or queued) last, and when it was last read. */
    private readonly delivered = new Map<string, { seq: bigint; seenAt: number }>();
    private pending = new Map<string, DocumentSummary>();
    private wake: (() => void) | undefined;
    private ended: Error | undefined;
    private closed = false;

    constructor(readonly userId: string) {}

    offer(summary: DocumentSummary): boolean {
      if (this.closed) return false;
      const seq = BigInt(summary.changeSeq);
      const at = now();
      const known = this.delivered.get(summary.id);
      if (known && known.seq >= seq) {
        known.seenAt = at;
        return false;
      }
      this.delivered.set(summary.id, { seq, seenAt: at });
      this.pending.delete(summary.id);
      this.pending.set(summary.id, summary);
      if (this.pending.size > maxPending) {
        this.end(new FeedClosed(`More than ${maxPending} document changes are waiting to be sent: reconnect.`));
        return false;
      }
      this.wake?.();
      return true;
    }

    /** Forgets deliveries no poll has read for a while: a later read of them is a later change. */
    prune(before: number) {
      for (const [id, entry] of this.delivered) if (entry.seenAt < before) this.delivered.delete(id);
    }

    take(signal?: AbortSignal): Promise<DocumentSummary[]> {
      if (this.ended) return Promise.reject(this.ended);
      if (this.pending.size > 0 || signal?.aborted || this.closed) return Promise.resolve(this.drain());
      return new Promise<DocumentSummary[]>((resolve, reject) => {
        const done = () => {
          this.wake = undefined;
          signal?.removeEventListener("abort", done);
          if (this.ended) reject(this.ended);
          else resolve(this.drain());
        };
        this.wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }

    private drain(): DocumentSummary[] {
      const out = [...this.pending.values()].sort((a, b) => compareSeq(a.changeSeq, b.changeSeq));
      this.pending = new Map();
      return out;
    }

    end(error: Error) {
      this.ended ??= error;
      this.close();
      this.wake?.();
    }

    close() {
      if (this.closed) return;
      this.closed = true;
      this.pending.clear();
      this.delivered.clear();
      const set = byUser.get(this.userId);
      if (set?.delete(this)) {
        size--;
        if (set.size === 0) byUser.delete(this.userId);
      }
      this.wake?.();
      if (size === 0) stopPolling();
    }
  }

  async function poll() {
    const users = [...byUser.keys()];
    if (users.length === 0) return;
    const startedLocal = now();
    try {
      const { at, rows } = await db.asWorker(
        async (tx) => {
          const { at } = await tx.selectNoFrom(sql<Date>`statement_timestamp()`.as("at")).executeTakeFirstOrThrow();
          const since = new Date((lastPollAt ?? at).getTime() - lookbackMs);
          const rows = await tx
            .selectFrom("document")
            .select([...SUMMARY_COLUMNS, "userId"])
            .where("updatedAt", ">", since)
            .where((eb) => eb("userId", "=", eb.fn.any(sql<string[]>`${users}::text[]`)))
            .orderBy("changeSeq")
            .execute();
          return { at, rows };
        },
        { readOnly: true },
      );
      lastPollAt = at;
      if (failures > 0) log?.info({ failures }, "document change feed recovered");
      failures = 0;
      for (const { userId, ...row } of rows) {
        const subscribers = byUser.get(userId);
        if (!subscribers) continue;
        const summary = toSummary(row);
        for (const subscriber of subscribers) subscriber.offer(summary);
      }
      // A delivery is forgotten once no poll has re-read it for a few
      // lookbacks: by then its row has left every poll's window.
      const before = startedLocal - REMEMBER_LOOKBACKS * lookbackMs;
      for (const subscribers of byUser.values()) for (const subscriber of subscribers) subscriber.prune(before);
    } catch (error) {
      failures++;
      const at = now();
      if (at - lastErrorLogAt >= ERROR_LOG_EVERY_MS) {
        lastErrorLogAt = at;
        log?.error({ err: error, failures }, "document change feed poll failed");
      }
    }
  }

  function schedule() {
    if (!polling) return;
    // A timeout after each poll, not an interval: a slow database never piles polls up.
    timer = setTimeout(() => void poll().finally(schedule), pollMs);
    timer.unref();
  }

  function startPolling() {
    if (polling) return;
    polling = true;
    schedule();
  }

  function stopPolling() {
    polling = false;
    clearTimeout(timer);
    // The next start reads the lookback window afresh.
    lastPollAt = undefined;
  }

  return {
    subscribe(userId) {
      const subscription = new Subscription(userId);
      let set = byUser.get(userId);
      if (!set) byUser.set(userId, (set = new Set()));
      set.add(subscription);
      size++;
      startPolling();
      return subscription;
    },

    async readSince(userId, afterSeq) {
      const rows = await db.asWorker(
        (tx) =>
          tx
            .selectFrom("document")
            .select(SUMMARY_COLUMNS)
            .where("userId", "=", userId)
            .where((eb) =>
              eb.or([
                eb("changeSeq", ">", sql<string>`${afterSeq}::bigint`),
                eb("updatedAt", ">", sql<Date>`statement_timestamp() - make_interval(secs => ${lookbackMs / 1000})`),
              ]),
            )
            .orderBy("changeSeq")
            .execute(),
        { readOnly: true },
      );
      return rows.map(toSummary);
    },

    get size() {
      return size;
    },

    get polling() {
      return polling;
    },

    stop() {
      for (const subscribers of [...byUser.values()]) {
        for (const subscriber of [...subscribers]) subscriber.end(new FeedClosed("The worker is shutting down."));
      }
      stopPolling();
    },
  };
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
