import { APIError } from "better-auth/api";

/**
 * The one answer to a limited attempt, whichever limit it hit: per-IP and
 * per-account refusals look alike, so neither says which one an attacker ran
 * into. The wait is in the message for people and in Retry-After for
 * clients; X-Retry-After is the header Better Auth's own limiter sends, which
 * the sign-in form reads.
 */
export function tooManyAttempts(retryAfterSeconds: number): APIError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const wait = String(seconds);
  return new APIError(
    "TOO_MANY_REQUESTS",
    {
      code: "TOO_MANY_ATTEMPTS",
      message: `Too many attempts. Try again in ${wait} second${seconds === 1 ? "" : "s"}.`,
    },
    { "Retry-After": wait, "X-Retry-After": wait },
  );
}

/** The same answer as a Response, for where Better Auth takes a Response rather than a thrown error. */
export function tooManyAttemptsResponse(retryAfterSeconds: number): Response {
  const error = tooManyAttempts(retryAfterSeconds);
  return Response.json(error.body, { status: error.statusCode, headers: error.headers });
}
