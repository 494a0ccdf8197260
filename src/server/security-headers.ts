/**
 * The security headers that depend on the request or the deployment, so
 * they are built per request rather than at build time (one build serves any
 * deployment): a page's Content-Security-Policy, whose nonce is new for every
 * page, and Strict-Transport-Security. The ones that never vary
 * (X-Content-Type-Options, X-Frame-Options, Referrer-Policy) are set for
 * every path in next.config.js. No imports: src/proxy.ts and the tRPC route
 * both use this, and its tests need no environment.
 */

export interface PagePolicyOptions {
  /** This response's nonce: Next.js puts it on the scripts it renders. */
  nonce: string;
  /** Where the browser calls the worker: its origin joins connect-src. */
  workerUrl: string;
  /** Served over https: subresources are asked for over https too. */
  https: boolean;
  /** `next dev`: React's development build evaluates code, Next.js's dev tools inline styles. */
  dev: boolean;
}

/**
 * A nonce-based policy: only scripts that carry this response's nonce run,
 * and those they load ('strict-dynamic', which also makes browsers ignore
 * 'self' there); nothing may frame the page, no plugins, no <base> or form
 * target elsewhere; the page talks to itself and the worker only.
 */
export function contentSecurityPolicy({ nonce, workerUrl, https, dev }: PagePolicyOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Next.js's development tools inject <style> elements without a nonce,
    // and a nonce in the list would make browsers ignore 'unsafe-inline'.
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self' ${new URL(workerUrl).origin}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** 128 random bits, base64: what a CSP nonce-source accepts. */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";

/**
 * Strict-Transport-Security when the app is served over https: the request
 * came in on https, a TLS-terminating proxy says so (X-Forwarded-Proto), or
 * the app's URL (BETTER_AUTH_URL) is https. Browsers ignore it on http, so a
 * spoofed X-Forwarded-Proto gains nothing.
 */
export function transportSecurityHeaders(request: Request, appUrl: string): Record<string, string> {
  return servedOverHttps(request, appUrl) ? { "strict-transport-security": STRICT_TRANSPORT_SECURITY } : {};
}

/**
 * An API answer as ours all leave: every one is one user's (a session, a
 * worker token, their data), so no cache, shared or the browser's, may keep
 * it; and HSTS on https. A new Response: a handler's own may be immutable.
 */
export function privateApiResponse(request: Request, response: Response, appUrl: string): Response {
  const headers = new Headers(response.headers);
  headers.set("cache-control", "no-store");
  for (const [name, value] of Object.entries(transportSecurityHeaders(request, appUrl))) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export function servedOverHttps(request: Request, appUrl: string): boolean {
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",", 1)[0]?.trim().toLowerCase();
  return new URL(request.url).protocol === "https:" || forwarded === "https" || new URL(appUrl).protocol === "https:";
}
