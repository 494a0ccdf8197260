import type { PrismaClient } from "./generated/client.ts";

/**
 * Writes to `session` and `user` rows made through one Prisma client, told to
 * whoever listens (the session cache, src/server/session-cache): a sign-out, a
 * revocation, a deleted user or a changed name made by this process is then
 * seen by its next request, not only after the next poll. Writes made
 * elsewhere (another process, SQL by hand) are the poll's to find.
 */
export type SessionWriteListener = () => void;

// Operations that cannot change a row a cached session was read from.
const READS_AND_CREATES = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
  "create",
  "createMany",
  "createManyAndReturn",
]);

// On the client itself, not in a WeakMap: the app's `db` is a lazy proxy
// (src/server/lazy.ts) that forwards property reads but is not the client.
// A registered symbol: Next.js bundles this module into more than one chunk
// (route handlers, pages), and every copy must find the one client's set.
const LISTENERS = Symbol.for("typed-worker-stack.session-write-listeners");

/** `client` with its writes to sessions and users told to `onSessionWrite` listeners. */
export function withSessionWriteSignal(client: PrismaClient): PrismaClient {
  const listeners = new Set<SessionWriteListener>();
  async function signalled<T>({
    operation,
    args,
    query,
  }: {
    operation: string;
    args: unknown;
    query: (args: unknown) => Promise<T>;
  }) {
    try {
      return await query(args);
    } finally {
      // Also after a failure: a write may have happened before the error.
      if (!READS_AND_CREATES.has(operation)) for (const listener of listeners) listener();
    }
  }
  const extended = client.$extends({
    query: { session: { $allOperations: signalled }, user: { $allOperations: signalled } },
  });
  Object.defineProperty(extended, LISTENERS, { value: listeners });
  // A query extension keeps the client's whole API but `$on` (log events,
  // which this app does not subscribe to), so it stays a PrismaClient to
  // everything that takes one.
  return extended as unknown as PrismaClient;
}

/** Calls `listener` after each write to sessions or users through `client`; returns the unsubscribe. */
export function onSessionWrite(client: object, listener: SessionWriteListener): () => void {
  const listeners = (client as { [LISTENERS]?: Set<SessionWriteListener> })[LISTENERS];
  if (!listeners) return () => undefined;
  listeners.add(listener);
  return () => listeners.delete(listener);
}
