/**
 * Whether an error means "the database cannot be reached right now" (it is
 * down, restarting, refusing connections, or the pool could not get one in
 * time), as opposed to a query that failed on its own merits. Such an error
 * is the web tier's 503, not a 500: the request may succeed once PostgreSQL
 * is back. Errors arrive wrapped (Better Auth's APIError, tRPC's TRPCError,
 * Prisma's known-request error around the pg adapter's), so the chain of
 * causes is searched.
 */

/** Prisma's own codes for a server it could not reach or keep. */
const PRISMA_CODES = new Set([
  "P1001", // can't reach database server
  "P1002", // reached but timed out
  "P1008", // operations timed out
  "P1017", // server closed the connection
  "P2024", // timed out fetching a connection from the pool
  "P2037", // too many database connections
]);

/** The pg adapter's translation of a driver error (DriverAdapterError's cause). */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** Socket errors of the connection to PostgreSQL. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
]);

/**
 * SQLSTATEs of a server going away or not taking connections: class 08
 * (connection exception), 57P01–57P03 (shut down by an administrator, crash
 * shutdown, cannot connect now: starting up or shutting down), 53300 (too
 * many connections).
 */
const isUnavailableSqlState = (code: string) =>
  /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code) || code === "53300";

/** node-postgres's own messages for a connection it lost or never got (no code on those). */
const PG_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
];

/**
 * A short reason, fit for a log line, when `error` (or anything it wraps)
 * says the database is unavailable; undefined when it says something else.
 */
export function databaseUnavailableReason(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const reason = ownReason(current as Record<string, unknown>);
    if (reason) return reason;
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    queue.push(cause, meta?.driverAdapterError);
  }
  return undefined;
}

export const isDatabaseUnavailable = (error: unknown): boolean => databaseUnavailableReason(error) !== undefined;

function ownReason(error: Record<string, unknown>): string | undefined {
  const code = typeof error.code === "string" ? error.code : undefined;
  const name = typeof error.name === "string" ? error.name : undefined;
  const message = typeof error.message === "string" ? error.message : "";
  if (name === "PrismaClientInitializationError") return firstLine(message) || "the database client could not start";
  if (code && PRISMA_CODES.has(code)) return `${code}: ${lastLine(message)}`;
  const kind = typeof error.kind === "string" ? error.kind : undefined;
  if (kind && ADAPTER_KINDS.has(kind)) {
    const where = typeof error.host === "string" ? ` (${error.host}:${String(error.port)})` : "";
    return `${kind}${where}`;
  }
  if (kind === "postgres" && code && isUnavailableSqlState(code)) return `${code}: ${message}`;
  if (code && SOCKET_CODES.has(code)) return `${code}: ${message}`;
  if (code && typeof error.severity === "string" && isUnavailableSqlState(code)) return `${code}: ${message}`;
  if (!code && PG_MESSAGES.some((pattern) => pattern.test(message))) return message;
  return undefined;
}

const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? "";
// Prisma's messages start with the invocation ("Invalid `prisma.x()` invocation: …") and end with the reason.
const lastLine = (text: string) => text.trim().split("\n").at(-1)?.trim() ?? "";
