import { describe, expect, it } from "vitest";

import { databaseUnavailableReason, isDatabaseUnavailable } from "./unavailable";

// Shapes as the libraries throw them (seen with PostgreSQL stopped, or in
// @prisma/adapter-pg's error conversion and node-postgres's messages).
const adapterError = (cause: { kind: string; [field: string]: unknown }) =>
  Object.assign(new Error(cause.kind), { name: "DriverAdapterError", cause });
const prismaKnown = (code: string, message: string, meta?: object) =>
  Object.assign(new Error(message), { name: "PrismaClientKnownRequestError", code, meta });

describe("databaseUnavailableReason", () => {
  it("Prisma's connection codes, with the reason from the message's last line", () => {
    const error = prismaKnown(
      "P1001",
      "\nInvalid `prisma.session.findFirst()` invocation:\n\n\nCan't reach database server at 127.0.0.1:5432",
    );
    expect(databaseUnavailableReason(error)).toBe("P1001: Can't reach database server at 127.0.0.1:5432");
    expect(
      isDatabaseUnavailable(prismaKnown("P2024", "Timed out fetching a new connection from the connection pool.")),
    ).toBe(true);
  });

  it("a raw query's P2010 when the adapter's error inside says the server is unreachable", () => {
    const error = prismaKnown("P2010", "Raw query failed.", {
      driverAdapterError: adapterError({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 }),
    });
    expect(databaseUnavailableReason(error)).toBe("DatabaseNotReachable (127.0.0.1:5432)");
  });

  it("through Better Auth's and tRPC's wrappers (the cause chain)", () => {
    const prisma = prismaKnown("P1017", "Server has closed the connection.");
    const apiError = Object.assign(new Error("Failed to get session"), { cause: prisma });
    const trpcError = Object.assign(new Error("Failed to get session"), {
      code: "INTERNAL_SERVER_ERROR",
      cause: apiError,
    });
    expect(databaseUnavailableReason(trpcError)).toBe("P1017: Server has closed the connection.");
  });

  it("a server shutting down or starting up, and node-postgres's own socket errors and messages", () => {
    expect(
      isDatabaseUnavailable(
        adapterError({
          kind: "postgres",
          code: "57P01",
          message: "terminating connection due to administrator command",
        }),
      ),
    ).toBe(true);
    expect(
      isDatabaseUnavailable(
        adapterError({ kind: "postgres", code: "57P03", message: "the database system is starting up" }),
      ),
    ).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    expect(
      isDatabaseUnavailable(Object.assign(new Error("Can't reach"), { name: "PrismaClientInitializationError" })),
    ).toBe(true);
  });

  it("not a query that failed on its own merits, nor anything else", () => {
    expect(
      databaseUnavailableReason(prismaKnown("P2002", "Unique constraint failed on the fields: (`email`)")),
    ).toBeUndefined();
    expect(
      databaseUnavailableReason(adapterError({ kind: "postgres", code: "23505", message: "duplicate key" })),
    ).toBeUndefined();
    expect(
      databaseUnavailableReason(adapterError({ kind: "postgres", code: "42P01", message: "relation does not exist" })),
    ).toBeUndefined();
    expect(databaseUnavailableReason(new Error("Sign in to continue."))).toBeUndefined();
    expect(databaseUnavailableReason("ECONNREFUSED")).toBeUndefined();
    expect(databaseUnavailableReason(null)).toBeUndefined();
  });

  it("stops on a cause chain that loops", () => {
    const a: { message: string; cause?: unknown } = { message: "a" };
    a.cause = { message: "b", cause: a };
    expect(databaseUnavailableReason(a)).toBeUndefined();
  });
});
