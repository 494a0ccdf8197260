import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";

import nextConfig from "../../next.config.js";
import { GET, POST } from "~/app/api/trpc/[trpc]/route";
import { config as proxyConfig, proxy } from "~/proxy";
import { browserWorkerUrl } from "~/server/browser-worker-url";
import { STRICT_TRANSPORT_SECURITY } from "~/server/security-headers";
import { db } from "~/server/db/prisma";
import { authWith } from "../support/app-auth";
import {
  appOrigin,
  parseSetCookie,
  TEST_PASSWORD,
  TestBrowser,
  uniqueEmail,
  type SetCookie,
} from "../support/test-browser";

const password = TEST_PASSWORD;
const evil = "https://evil.example";

/** The cookies that carry a session: the token, and a cookie cache's copy if one were on (possibly chunked). */
function sessionCookies(response: { headers: Headers }): SetCookie[] {
  return response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter(({ name }) => /^(__Secure-)?better-auth\.session_(token|data)(\.\d+)?$/.test(name));
}

describe("session cookies", () => {
  function expectSessionCookies(response: { headers: Headers }, { secure }: { secure: boolean }) {
    const cookies = sessionCookies(response);
    // The token only: no signed copy of the session that would outlive a
    // revocation (auth.ts keeps no cookie cache). Checking the names also
    // keeps the attribute checks below from passing on nothing.
    const prefix = secure ? "__Secure-" : "";
    expect(cookies.map((cookie) => cookie.name)).toEqual([`${prefix}better-auth.session_token`]);
    for (const { name, attributes } of cookies) {
      expect({ name, ...attributes }).toMatchObject({ name, httponly: true, path: "/" });
      expect(String(attributes.samesite).toLowerCase(), `${name} SameSite`).toBe("lax");
      expect(attributes.secure, `${name} Secure`).toBe(secure ? true : undefined);
    }
  }

  it("over http://: HttpOnly, SameSite=Lax, Path=/, and not Secure (it must work on http://localhost)", async () => {
    const { email, result: signedUp } = await new TestBrowser().signUp();
    expectSessionCookies(signedUp, { secure: false });

    const signedIn = await new TestBrowser().post("/sign-in/email", { email, password });
    expect(signedIn.status).toBe(200);
    expectSessionCookies(signedIn, { secure: false });
  });

  it("over https://: the same, plus Secure and the __Secure- name prefix", async () => {
    const origin = "https://app.example.test";
    const secureAuth = authWith({ baseURL: origin });
    const { email, result: signedUp } = await new TestBrowser({ auth: secureAuth, origin }).signUp();
    expectSessionCookies(signedUp, { secure: true });

    const signedIn = await new TestBrowser({ auth: secureAuth, origin }).post("/sign-in/email", { email, password });
    expect(signedIn.status).toBe(200);
    expectSessionCookies(signedIn, { secure: true });
  });
});

// Better Auth's checks (better-auth/dist/api/middlewares/origin-check.mjs):
// every non-GET request that carries a cookie must have a trusted Origin (or
// Referer); sign-up and sign-in also check any request that has an Origin,
// Referer or Sec-Fetch-* header, cookies or not.
describe("Better Auth refuses cross-origin POSTs", () => {
  it("sign-up from another origin: 403, no user, no session cookie", async () => {
    const email = uniqueEmail("csrf-up");
    const result = await new TestBrowser().post(
      "/sign-up/email",
      { name: "Mallory", email, password },
      { headers: { origin: evil } },
    );

    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code: "INVALID_ORIGIN" });
    expect(sessionCookies(result)).toEqual([]);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("sign-in from another origin: 403, no session created", async () => {
    const { email } = await new TestBrowser().signUp();
    const sessionsBefore = await db.session.count({ where: { user: { email } } });

    const result = await new TestBrowser().post("/sign-in/email", { email, password }, { headers: { origin: evil } });

    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code: "INVALID_ORIGIN" });
    expect(sessionCookies(result)).toEqual([]);
    expect(await db.session.count({ where: { user: { email } } })).toBe(sessionsBefore);
  });

  it("a cross-site form posted to sign-in (a navigation, no cookies yet) is refused", async () => {
    const { email } = await new TestBrowser().signUp();
    const result = await new TestBrowser().post("/sign-in/email", new URLSearchParams({ email, password }), {
      headers: {
        origin: evil,
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "navigate",
        "sec-fetch-dest": "document",
      },
    });

    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code: "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED" });
    expect(sessionCookies(result)).toEqual([]);
  });

  it("sign-out from another origin with the victim's cookie: 403, the session lives on", async () => {
    const victim = new TestBrowser();
    const { email } = await victim.signUp();

    const forged = await victim.post("/sign-out", {}, { headers: { origin: evil } });
    expect(forged.status).toBe(403);
    expect(forged.json).toMatchObject({ code: "INVALID_ORIGIN" });
    expect(await db.session.count({ where: { user: { email } } })).toBe(1);

    // The same request from the app itself works: the refusal was the origin.
    expect((await victim.post("/sign-out")).status).toBe(200);
    expect(await db.session.count({ where: { user: { email } } })).toBe(0);
  });

  it.each([
    ["no Origin (Referer from another site)", { origin: null, referer: `${evil}/page` }, "INVALID_ORIGIN"],
    ["no Origin and no Referer", { origin: null }, "MISSING_OR_NULL_ORIGIN"],
    ['Origin "null" (sandboxed frame)', { origin: "null" }, "MISSING_OR_NULL_ORIGIN"],
  ])("with a session cookie, %s is refused", async (_, headers, code) => {
    const victim = new TestBrowser();
    const { email } = await victim.signUp();

    const result = await victim.post("/sign-out", {}, { headers });

    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code });
    expect(await db.session.count({ where: { user: { email } } })).toBe(1);
  });

  it("does not check a request with no cookie and no browser headers (curl, server to server)", async () => {
    // Real behaviour, not a wish: nothing a browser sends cross-site looks
    // like this (browsers always add Origin to a POST), so no CSRF hides here.
    const email = uniqueEmail("curl");
    const result = await new TestBrowser().post(
      "/sign-up/email",
      { name: "Curl", email, password },
      { headers: { origin: null } },
    );

    expect(result.status).toBe(200);
    expect(await db.user.count({ where: { email } })).toBe(1);
  });
});

describe("the tRPC route refuses cross-site calls before any procedure runs", () => {
  async function call(method: "GET" | "POST", procedure: string, headers: Record<string, string>) {
    const request = new Request(`${appOrigin}/api/trpc/${procedure}`, {
      method,
      headers: method === "POST" ? { ...headers, "content-type": "application/json" } : headers,
      body: method === "POST" ? JSON.stringify({ json: null }) : undefined,
    });
    const response = await (method === "GET" ? GET : POST)(request);
    return { status: response.status, text: await response.text() };
  }

  async function signedIn() {
    const browser = new TestBrowser();
    const { email } = await browser.signUp();
    return { email, cookie: browser.cookie };
  }

  it("a query: runs same-origin; a cross-site GET with the same cookie is refused", async () => {
    const { email, cookie } = await signedIn();

    const me = await call("GET", "session.me", { cookie, "sec-fetch-site": "same-origin" });
    expect(me.status).toBe(200);
    expect(me.text).toContain(email);

    // SameSite=Lax sends the cookie on a cross-site top-level GET, with no Origin.
    const leaked = await call("GET", "session.me", {
      cookie,
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "navigate",
    });
    expect(leaked.status).toBe(403);
    expect(leaked.text).not.toContain(email);
    expect(JSON.parse(leaked.text)).toMatchObject({ error: { code: "FORBIDDEN", reason: "cross_site" } });
  });

  it("a mutation: mints a worker token same-origin; a cross-origin POST with the same cookie is refused", async () => {
    const { cookie } = await signedIn();

    const minted = await call("POST", "auth.workerToken", { cookie, origin: appOrigin });
    expect(minted.status).toBe(200);
    expect(JSON.parse(minted.text)).toMatchObject({ result: { data: { json: { token: expect.any(String) } } } });

    const forged = await call("POST", "auth.workerToken", { cookie, origin: evil, "sec-fetch-site": "cross-site" });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text)).toEqual({
      error: { code: "FORBIDDEN", reason: "cross_origin", message: expect.stringContaining(evil) },
    });
  });

  it("a caller outside a browser (no Origin, no Sec-Fetch-Site) still gets through", async () => {
    const { email, cookie } = await signedIn();

    const me = await call("GET", "session.me", { cookie });
    expect(me.status).toBe(200);
    expect(me.text).toContain(email);
  });
});

// Rate limits (per IP and per account, the client IP behind proxies): tests/integration/auth-abuse.test.ts.

describe("/api/trpc answers: no stack trace, never cached, HSTS on https", () => {
  async function call(procedure: string, headers: Record<string, string> = {}, body?: string) {
    const request = new Request(`${appOrigin}/api/trpc/${procedure}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      body,
    });
    const response = await (body === undefined ? GET : POST)(request);
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it("errors carry no stack trace, though NODE_ENV is not production (tRPC adds one outside production)", async () => {
    expect(process.env.NODE_ENV).toBe("test");
    const signedOut = await call("worker.whoami");
    const malformed = await call("session.me", {}, "{not json");
    const { cookie } = await (async () => {
      const browser = new TestBrowser();
      await browser.signUp();
      return { cookie: browser.cookie };
    })();
    const badInput = await call(
      "worker.textStats",
      { cookie, origin: appOrigin },
      JSON.stringify({ json: { text: "" } }),
    );

    expect([signedOut.status, badInput.status]).toEqual([401, 400]);
    for (const { text } of [signedOut, malformed, badInput]) {
      expect(text).not.toContain('"stack"');
      expect(text).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
    }
  });

  it("every answer is Cache-Control: no-store: a worker token, a refusal, an error", async () => {
    const browser = new TestBrowser();
    await browser.signUp();

    const token = await call("auth.workerToken", { cookie: browser.cookie, origin: appOrigin }, "{}");
    const crossSite = await call("session.me", { cookie: browser.cookie, "sec-fetch-site": "cross-site" });
    const signedOut = await call("session.me");

    expect(token.status).toBe(200);
    expect(token.text).toContain('"token"');
    expect([crossSite.status, signedOut.status]).toEqual([403, 401]);
    for (const { headers } of [token, crossSite, signedOut]) expect(headers.get("cache-control")).toBe("no-store");
  });

  it("Strict-Transport-Security when the request came over https (a proxy's X-Forwarded-Proto), not on plain http", async () => {
    const plain = await call("session.me");
    const behindTls = await call("session.me", { "x-forwarded-proto": "https" });

    expect(plain.headers.get("strict-transport-security")).toBeNull();
    expect(behindTls.headers.get("strict-transport-security")).toBe(STRICT_TRANSPORT_SECURITY);
  });
});

describe("pages: security headers", () => {
  async function page(path: string, headers: Record<string, string> = {}) {
    const request = new NextRequest(`${appOrigin}${path}`, { headers });
    const response = await proxy(request);
    const policy = response.headers.get("content-security-policy") ?? "";
    return { response, policy, nonce: /'nonce-([^']+)'/.exec(policy)?.[1] };
  }

  it("the proxy gives each page a nonce-based Content-Security-Policy, a new nonce every time", async () => {
    const first = await page("/dashboard");
    const second = await page("/dashboard");

    expect(first.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(second.nonce).not.toBe(first.nonce);
    const directives = first.policy.split("; ");
    expect(directives).toEqual(
      expect.arrayContaining([
        `script-src 'self' 'nonce-${first.nonce}' 'strict-dynamic'`,
        `connect-src 'self' ${new URL(browserWorkerUrl()).origin}`,
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
      ]),
    );
    expect(first.policy).not.toContain("unsafe-inline");
  });

  it("hands the same policy to Next.js on the request, which takes the nonce for its scripts from there", async () => {
    const { response, policy, nonce } = await page("/sign-in");

    // NextResponse.next({ request: { headers } }) carries overridden request headers this way.
    expect(response.headers.get("x-middleware-request-content-security-policy")).toBe(policy);
    expect(response.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
  });

  it("Strict-Transport-Security and upgrade-insecure-requests on https only", async () => {
    const plain = await page("/");
    const behindTls = await page("/", { "x-forwarded-proto": "https" });

    expect(plain.response.headers.get("strict-transport-security")).toBeNull();
    expect(plain.policy).not.toContain("upgrade-insecure-requests");
    expect(behindTls.response.headers.get("strict-transport-security")).toBe(STRICT_TRANSPORT_SECURITY);
    expect(behindTls.policy).toContain("upgrade-insecure-requests");
  });

  it("runs for pages, not for API routes (a proxy buffers the body it sees) nor build assets", () => {
    const { source } = proxyConfig.matcher[0]!;
    const matches = (path: string) => new RegExp(`^${source}$`).test(path);

    expect(["/", "/dashboard", "/sign-in", "/no-such-page"].filter(matches)).toHaveLength(4);
    expect(["/api/trpc/session.me", "/api/auth/sign-in/email", "/_next/static/chunks/app.js"].filter(matches)).toEqual(
      [],
    );
  });

  it("every path: nosniff, no framing, no referrer to other origins; no X-Powered-By", async () => {
    expect(nextConfig.poweredByHeader).toBe(false);
    expect(await nextConfig.headers?.()).toEqual([
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ]);
  });
});
