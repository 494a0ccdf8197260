/**
 * The web tier's 503s: what a page gets while the database is down or the
 * server is too busy to render it in time, and what an API route gets for
 * the same reasons. Each says when to ask again (Retry-After); the page also
 * asks again by itself (a meta refresh: no script, so no nonce to give it).
 * No imports: the proxy, the API routes and the overload gate all use this.
 */

/** Why a request is refused, in words for a person, and when to ask again. */
export interface Unavailable {
  /** A machine-readable reason, as the worker's 503s carry one. */
  reason: "database_unavailable" | "busy";
  message: string;
  retryAfterSeconds: number;
}

export const DATABASE_UNAVAILABLE: Unavailable = {
  reason: "database_unavailable",
  message: "The service is temporarily unavailable: its database is not answering. Try again in a few seconds.",
  retryAfterSeconds: 5,
};

export const BUSY: Unavailable = {
  reason: "busy",
  message: "The server is too busy to answer right now. Try again in a moment.",
  retryAfterSeconds: 2,
};

// Nothing on this page loads or runs anything.
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function headers(unavailable: Unavailable, contentType: string): Headers {
  return new Headers({
    "content-type": contentType,
    "retry-after": String(unavailable.retryAfterSeconds),
    "cache-control": "no-store",
  });
}

/** A short page that says so and reloads itself after Retry-After. */
export function unavailablePage(unavailable: Unavailable): Response {
  const { message, retryAfterSeconds } = unavailable;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${retryAfterSeconds}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Temporarily unavailable · Typed Worker Stack</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>Temporarily unavailable</h1>
<p>${message}</p>
<p>This page tries again by itself every ${retryAfterSeconds} seconds.</p>
</body>
</html>
`;
  const answer = headers(unavailable, "text/html; charset=utf-8");
  answer.set("content-security-policy", PAGE_POLICY);
  return new Response(html, { status: 503, headers: answer });
}

/** The same as JSON, shaped as the app's other refusals ({ code, message }) plus the reason. */
export function unavailableJson(unavailable: Unavailable): Response {
  const { reason, message } = unavailable;
  return new Response(JSON.stringify({ code: "SERVICE_UNAVAILABLE", reason, message }), {
    status: 503,
    headers: headers(unavailable, "application/json"),
  });
}
