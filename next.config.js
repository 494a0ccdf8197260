/**
 * Security headers that are the same for every response, set on every path
 * (pages, API routes, build assets). Those that depend on the request or the
 * deployment — a page's Content-Security-Policy with its nonce, and
 * Strict-Transport-Security on https — are set per request: src/proxy.ts for
 * pages, the tRPC route for its answers (src/server/security-headers.ts).
 */
const STATIC_SECURITY_HEADERS = [
  // Content types are what the server says, never sniffed (a JSON answer is not a script).
  { key: "X-Content-Type-Options", value: "nosniff" },
  // For browsers that predate CSP's frame-ancestors 'none'.
  { key: "X-Frame-Options", value: "DENY" },
  // Full URLs to the app itself (Better Auth may check a Referer); nothing to other origins, the worker included.
  { key: "Referrer-Policy", value: "same-origin" },
];

/** @type {import("next").NextConfig} */
const config = {
  // A self-contained server (.next/standalone/server.js with only the
  // node_modules it uses): what the container image and `npm start` run.
  output: "standalone",
  // No X-Powered-By: Next.js: nothing to gain from naming the framework.
  poweredByHeader: false,
  // No next/image here: without the optimizer the standalone output can leave
  // out sharp and its native libraries (about 20 MB of the web image).
  images: { unoptimized: true },
  outputFileTracingExcludes: { "*": ["node_modules/sharp/**", "node_modules/@img/**"] },
  // Prisma's generated client and pg are Node-only; keep them out of the bundle.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pino"],
  async headers() {
    return [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }];
  },
};

export default config;
