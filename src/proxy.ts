/**
 * Next.js's proxy (the file once called middleware), for pages only: it gives
 * each page a Content-Security-Policy with a fresh nonce (Next.js reads the
 * nonce from the request's policy header and puts it on the scripts it
 * renders, which is why pages render per request; see src/app/layout.tsx)
 * and Strict-Transport-Security on https. API routes are left out: a proxy
 * that runs buffers the request body, and /api/trpc caps its own.
 *
 * While the database is down (src/server/db/database-availability.ts) a page
 * is a short 503 that reloads itself, answered here: a page's render cannot
 * set its status, and every page of the app reads the session.
 */
import { NextResponse, type NextRequest } from "next/server";

import { env } from "~/env";
import { browserWorkerUrl } from "~/server/browser-worker-url";
import { databaseAvailability } from "~/server/db/database-availability";
import { DATABASE_UNAVAILABLE, unavailablePage } from "~/server/unavailable-answers";
import { contentSecurityPolicy, newNonce, servedOverHttps, transportSecurityHeaders } from "~/server/security-headers";

export async function proxy(request: NextRequest) {
  const { BETTER_AUTH_URL } = env();
  if (!(await databaseAvailability.check())) return unavailablePage(DATABASE_UNAVAILABLE);
  const nonce = newNonce();
  const policy = contentSecurityPolicy({
    nonce,
    workerUrl: browserWorkerUrl(),
    https: servedOverHttps(request, BETTER_AUTH_URL),
    dev: process.env.NODE_ENV === "development",
  });
  const forwarded = new Headers(request.headers);
  forwarded.set("content-security-policy", policy);
  // For a component that renders a script of its own (next/script) and must pass it the nonce.
  forwarded.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("content-security-policy", policy);
  for (const [name, value] of Object.entries(transportSecurityHeaders(request, BETTER_AUTH_URL)))
    response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      // Not API routes, not build assets (their URLs never change, and they carry no script to allow).
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      // Prefetches fetch no document: no policy to attach, no nonce to spend.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
