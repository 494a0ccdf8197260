import { auth } from "~/server/auth";

/**
 * Whether this web process reached the database within the last second, as
 * its session cache's poll (or a session read) last found: false while the
 * poll has failed for longer than that. It reports the last thing known: with
 * no session held the poll sleeps and nothing changes it until a read.
 */
export function databaseReachable(): boolean {
  return auth.sessions.databaseReachable();
}

/** Calls `listener` with each change of `databaseReachable()`; returns the unsubscribe. */
export function onDatabaseReachabilityChange(listener: (reachable: boolean) => void): () => void {
  return auth.sessions.onReachabilityChange(listener);
}
