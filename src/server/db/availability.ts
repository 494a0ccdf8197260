/**
 * Whether this web process can reach its database, as one process-wide
 * state: what every request that met the database said last (report), or
 * else a `SELECT 1` (probe) once what is known is older than `freshMs`.
 * The proxy (src/proxy.ts) asks before a page renders and answers 503 while
 * the database is down; the API routes report what their calls met. The
 * state changes are the log: one line when the database goes away (with the
 * first cause), one when it is back, none per request in between.
 *
 * Kept on globalThis: Next.js bundles the proxy apart from the routes, so
 * each bundle has its own copy of this module, and they must share one state.
 */
import { errorMessage } from "~/contract/error-message";
import { databaseUnavailableReason } from "./unavailable";

export interface DatabaseState {
  up: boolean;
  /** When `up` last changed (ms since the epoch). */
  since: number;
  /** Why it is down, as the first failure said. */
  reason?: string;
}

export interface AvailabilityLog {
  error(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface DatabaseAvailabilityOptions {
  /** Runs one trivial query; rejects when the database does not answer. */
  probe: () => Promise<unknown>;
  log: AvailabilityLog;
  /** What was known is trusted this long; after that, a check probes. */
  freshMs?: number;
  now?: () => number;
}

export interface DatabaseAvailability {
  /** Whether the database is up, probing first if what is known is stale (one probe at a time). */
  check(): Promise<boolean>;
  /** Probes now, whatever is known (joining a probe under way): after a failure that did not say why. */
  recheck(): Promise<boolean>;
  /** The last known state, without probing. */
  state(): DatabaseState;
  /** A database call succeeded. */
  reportSuccess(): void;
  /**
   * A database call failed: true (and the state is down) when the error says
   * the database is unavailable; false for any other error, which says
   * nothing about availability.
   */
  reportFailure(error: unknown): boolean;
}

/** One second: a probe per second at most, and a page meets a database gone this long ago at worst. */
export const DEFAULT_FRESH_MS = 1_000;

export function createDatabaseAvailability({
  probe,
  log,
  freshMs = DEFAULT_FRESH_MS,
  now = Date.now,
}: DatabaseAvailabilityOptions): DatabaseAvailability {
  let current: DatabaseState = { up: true, since: now() };
  // Never known yet: the first check probes.
  let knownAt = -Infinity;
  let probing: Promise<boolean> | undefined;

  const reportSuccess = () => {
    knownAt = now();
    if (current.up) return;
    const downMs = knownAt - current.since;
    current = { up: true, since: knownAt };
    log.info({ downMs }, "database reachable again");
  };

  const markDown = (reason: string) => {
    knownAt = now();
    if (!current.up) return;
    current = { up: false, since: knownAt, reason };
    log.error({ reason }, "database unavailable: answering 503 until it is back");
  };

  const reportFailure = (error: unknown) => {
    const reason = databaseUnavailableReason(error);
    if (reason !== undefined) markDown(reason);
    return reason !== undefined;
  };

  const runProbe = async () => {
    try {
      await probe();
      reportSuccess();
    } catch (error) {
      // `SELECT 1` that fails for any reason (a timeout, a refused login) is a database that does not serve.
      markDown(databaseUnavailableReason(error) ?? `the probe failed: ${errorMessage(error)}`);
    }
    return current.up;
  };

  const recheck = () => (probing ??= runProbe().finally(() => (probing = undefined)));

  return {
    check() {
      if (now() - knownAt < freshMs) return Promise.resolve(current.up);
      return recheck();
    },
    recheck,
    state: () => current,
    reportSuccess,
    reportFailure,
  };
}
