/**
 * `documents.events`: the caller's documents as they change, over SSE
 * (server-sent events; docs/decisions/0013). Each event is a whole
 * DocumentSummary tracked by its changeSeq, so a client applies it as an
 * upsert by id (keeping the higher changeSeq) and never needs a diff.
 *
 * - Without `lastEventId`: live events only (the client reads the list with a
 *   query first; the feed's first poll also re-sends the last few seconds of
 *   changes, which covers the gap between that query and this subscription).
 * - With `lastEventId` (a reconnect: the link sends it, as does an
 *   EventSource's Last-Event-ID header): first the caller's documents with a
 *   higher changeSeq, and those changed within the feed's lookback, re-read
 *   from the database, then live events. A change missed while disconnected
 *   arrives once; a change from the last few seconds before the disconnect
 *   may arrive again (same id and changeSeq: an upsert that changes nothing).
 * - The stream ends with UNAUTHORIZED (data.reason "expired" or "revoked")
 *   when the caller's token expires or its session ends, so that the client
 *   reconnects with a fresh token; with SERVICE_UNAVAILABLE when the worker
 *   stops or the client fell too far behind (it reconnects and re-reads).
 */
import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";

import { SessionsUnavailable } from "../revocation";
import { authedProcedure } from "../trpc";
import { TokenRejected } from "../verify";
import { FeedClosed } from "./change-feed";

export const documentEventsInput = z.object({
  /** The changeSeq of the last event the client got (a decimal string: it is a bigint). */
  lastEventId: z.string().regex(/^\d+$/).max(20).nullish(),
});

/** How often an open stream re-checks that its session is still live (an in-memory check: revocation.ts polls the database). */
export const SESSION_CHECK_MS = 500;

export const documentEvents = authedProcedure.input(documentEventsInput).subscription(async function* ({
  ctx,
  input,
  signal,
}) {
  const feed = ctx.changeFeed;
  if (!feed) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "This worker serves no document events." });
  const { caller } = ctx;

  // Ends the wait for events when the request goes away, the token expires
  // or the session ends; `ended` says which.
  const stop = new AbortController();
  let ended: TRPCError | undefined;
  const end = (error: TRPCError) => {
    ended ??= error;
    stop.abort();
  };
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const expiry = setTimeout(
    () => end(unauthorized(new TokenRejected("expired", "The token has expired."))),
    Math.max(0, caller.expiresAt - Date.now()),
  );
  const sessionCheck = setInterval(() => {
    ctx.revocation.check(caller.sessionId, caller.userId).catch((error: unknown) => {
      if (error instanceof TokenRejected) end(unauthorized(error));
      else if (error instanceof SessionsUnavailable) {
        end(
          new TRPCError({
            code: "SERVICE_UNAVAILABLE",
            message: "The worker cannot check sessions right now.",
            cause: error,
          }),
        );
      } else end(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: error }));
    });
  }, SESSION_CHECK_MS);

  // Subscribe before re-reading: a change committed meanwhile is then in one
  // or both, and the subscription drops the second copy.
  const subscription = feed.subscribe(caller.userId);
  try {
    if (input.lastEventId) {
      for (const summary of await feed.readSince(caller.userId, input.lastEventId)) subscription.offer(summary);
    }
    while (!stop.signal.aborted) {
      let batch;
      try {
        batch = await subscription.take(stop.signal);
      } catch (error) {
        if (error instanceof FeedClosed)
          throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: error.message, cause: error });
        throw error;
      }
      for (const summary of batch) yield tracked(summary.changeSeq, summary);
    }
    if (ended) throw ended;
  } finally {
    clearTimeout(expiry);
    clearInterval(sessionCheck);
    signal?.removeEventListener("abort", onAbort);
    subscription.close();
  }
});

function unauthorized(cause: TokenRejected): TRPCError {
  // The cause makes the error formatter put its reason in data.reason.
  return new TRPCError({ code: "UNAUTHORIZED", message: cause.message, cause });
}
