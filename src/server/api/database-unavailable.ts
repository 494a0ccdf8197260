import { TRPCError } from "@trpc/server";

import { DATABASE_UNAVAILABLE } from "~/server/unavailable-answers";

/**
 * A call that failed because the database is not answering: a 503 in words
 * the caller can read, with Retry-After (the tRPC route adds it on seeing
 * this class). Its own class so that the route can tell it from the
 * worker's 503s, passed on as they came.
 */
export class DatabaseUnavailableError extends TRPCError {
  constructor(cause?: unknown) {
    super({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE.message, cause });
  }
}
