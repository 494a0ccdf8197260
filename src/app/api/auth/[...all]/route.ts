import { toNextJsHandler } from "better-auth/next-js";

import { env } from "~/env";
import { auth } from "~/server/auth";
import { bufferedWithin } from "~/server/body-limit";
import { transportSecurityHeaders } from "~/server/security-headers";

/**
 * Far above any auth form (name ≤ 100, email ≤ 254, password ≤ 128
 * characters): Better Auth parses a body whole, so a cap here keeps a
 * multi-megabyte one from being read and parsed before it is refused.
 */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

/**
 * Every answer of Better Auth's, never stored by a browser or a shared cache:
 * sign-in, sign-up and get-session carry a session (its cookie, the user),
 * and Better Auth marks only some of them. /jwks too: it is public, but the
 * worker keeps its own copy and refetches it when a token names a key it
 * has not seen; a cache in between could answer that refetch with a key set
 * from before the rotation.
 */
function uncacheable(request: Request, response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set("cache-control", "no-store");
  for (const [name, value] of Object.entries(transportSecurityHeaders(request, env().BETTER_AUTH_URL))) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function handle(request: Request): Promise<Response> {
  const limited = await bufferedWithin(request, MAX_AUTH_BODY_BYTES);
  if (!limited) {
    return Response.json(
      { code: "PAYLOAD_TOO_LARGE", message: `A request to /api/auth may carry at most ${MAX_AUTH_BODY_BYTES / 1024} KiB.` },
      { status: 413 },
    );
  }
  return auth.handler(limited);
}

// A function, not `auth` itself: handing over the object would build Better
// Auth when `next build` imports this route.
export const { GET, POST } = toNextJsHandler(async (request: Request) => uncacheable(request, await handle(request)));
