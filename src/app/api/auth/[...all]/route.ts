import { toNextJsHandler } from "better-auth/next-js";

import { env } from "~/env";
import { auth } from "~/server/auth";
import { bufferedWithin } from "~/server/body-limit";
import { databaseAvailability } from "~/server/db/database-availability";
import { privateApiResponse } from "~/server/security-headers";
import { DATABASE_UNAVAILABLE, unavailableJson } from "~/server/unavailable-answers";

/**
 * Far above any auth form (name ≤ 100, email ≤ 254, password ≤ 128
 * characters): Better Auth parses a body whole, so a cap here keeps a
 * multi-megabyte one from being read and parsed before it is refused.
 */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

async function handle(request: Request): Promise<Response> {
  const limited = await bufferedWithin(request, MAX_AUTH_BODY_BYTES);
  if (!limited) {
    return Response.json(
      {
        code: "PAYLOAD_TOO_LARGE",
        message: `A request to /api/auth may carry at most ${MAX_AUTH_BODY_BYTES / 1024} KiB.`,
      },
      { status: 413 },
    );
  }
  // Every auth route reads or writes the database (/jwks too): while it is
  // known to be down, the answer is a 503 at once.
  if (!(await databaseAvailability.check())) return unavailableJson(DATABASE_UNAVAILABLE);
  const answer = await auth.handler(limited);
  // Better Auth answers a failed database call with a 500 of its own and
  // keeps the error: a probe tells whether the database was the reason.
  if (answer.status >= 500 && !(await databaseAvailability.recheck())) return unavailableJson(DATABASE_UNAVAILABLE);
  return answer;
}

/**
 * Every answer of Better Auth's goes out uncacheable (privateApiResponse):
 * sign-in, sign-up and get-session carry a session (its cookie, the user),
 * and Better Auth marks only some of them. /jwks too: it is public, but the
 * worker keeps its own copy and refetches it when a token names a key it
 * has not seen; a cache in between could answer that refetch with a key set
 * from before the rotation. A function, not `auth` itself: handing over the
 * object would build Better Auth when `next build` imports this route.
 */
export const { GET, POST } = toNextJsHandler(async (request: Request) =>
  privateApiResponse(request, await handle(request), env().BETTER_AUTH_URL),
);
