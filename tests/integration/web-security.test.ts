import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { GET, POST } from "~/app/api/trpc/[trpc]/route";
import { env } from "~/env";
import { createAuth } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { appOrigin, parseSetCookie, TEST_PASSWORD, TestBrowser, uniqueEmail, type SetCookie } from "../support/test-browser";

const password = TEST_PASSWORD;
const evil = "https://evil.example";

/** The cookies that carry a session: the token and the cookie cache (possibly chunked). */
function sessionCookies(response: { headers: Headers }): SetCookie[] {
  return response.headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter(({ name }) => /^(__Secure-)?better-auth\.session_(token|data)(\.\d+)?$/.test(name));
}

describe("session cookies", () => {
  function expectSessionCookies(response: { headers: Headers }, { secure }: { secure: boolean }) {
    const cookies = sessionCookies(response);
    // Both must be there, or the attribute checks below would pass on nothing.
    const prefix = secure ? "__Secure-" : "";
    expect(cookies.map((cookie) => cookie.name).sort()).toEqual([
      `${prefix}better-auth.session_data`,
      `${prefix}better-auth.session_token`,
    ]);
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
    const secureAuth = createAuth({
      db,
      secret: env().BETTER_AUTH_SECRET,
      baseURL: origin,
      workerTokenTtl: env().WORKER_TOKEN_TTL,
      keyGracePeriod: env().JWT_GRACE_PERIOD,
    });
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
      headers: { origin: evil, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
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
    const result = await new TestBrowser().post("/sign-up/email", { name: "Curl", email, password }, { headers: { origin: null } });

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
    const leaked = await call("GET", "session.me", { cookie, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" });
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

// Better Auth's built-in rule (better-auth/dist/api/rate-limiter/index.mjs,
// getDefaultSpecialRules): paths starting /sign-in, /sign-up, /change-password
// or /change-email allow 3 requests per 10 s per client IP and path, whatever
// the account or password. Counted in memory against Date.now().
describe("sign-in rate limit", () => {
  const wrong = "not the password";
  let start: number;
  // Only Date is faked: the store's clock stands still between attempts (a
  // slow run cannot slide out of the window) and jumps when told, while
  // timers (database I/O) run for real.
  beforeEach(() => {
    start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("the 4th attempt from one IP in 10 s is 429; other IPs are unaffected; after 10 s the right password works", async () => {
    const { email } = await new TestBrowser().signUp();
    const attacker = new TestBrowser();
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await attacker.post("/sign-in/email", { email, password: wrong })).status, `attempt ${attempt}`).toBe(401);
    }
    const limited = await attacker.post("/sign-in/email", { email, password: wrong });
    expect(limited.status).toBe(429);
    expect(limited.json?.message).toMatch(/too many requests/i);
    // Better Auth's own header; it sets no standard Retry-After.
    expect(limited.headers.get("x-retry-after")).toBe("10");
    expect(limited.headers.get("retry-after")).toBeNull();
    // The bucket is the IP's, not the password's: the right one waits too.
    expect((await attacker.post("/sign-in/email", { email, password })).status).toBe(429);

    const neighbour = await new TestBrowser().post("/sign-in/email", { email, password });
    expect(neighbour.status).toBe(200);

    vi.setSystemTime(start + 9_999);
    const almost = await attacker.post("/sign-in/email", { email, password });
    expect(almost.status).toBe(429);
    expect(almost.headers.get("x-retry-after")).toBe("1");

    vi.setSystemTime(start + 10_000);
    const after = await attacker.post("/sign-in/email", { email, password });
    expect(after.status).toBe(200);
    expect(sessionCookies(after)).toHaveLength(2);
  });

  it("a chained X-Forwarded-For is not believed: rotating its spoofable left entry earns no new attempts", async () => {
    // Without trustedProxies Better Auth reads a single-value header only; a
    // chain resolves to no IP, which shares one bucket (127.0.0.1 under test
    // and dev, "no-trusted-ip" in production).
    const { email } = await new TestBrowser().signUp();
    const client = new TestBrowser();
    const attempt = (n: number) =>
      client.post("/sign-in/email", { email, password: wrong }, { headers: { "x-forwarded-for": `203.0.113.${n}, ${client.ip}` } });

    const statuses = [];
    for (let n = 1; n <= 4; n++) statuses.push((await attempt(n)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("known gap: a single X-Forwarded-For is taken as sent, so without a proxy a client can rotate it", async () => {
    // Next.js fills X-Forwarded-For from the socket only when the client sent
    // none; a reverse proxy that overwrites it is what closes this gap.
    const { email } = await new TestBrowser().signUp();
    const client = new TestBrowser();

    const statuses = [];
    for (let n = 1; n <= 4; n++) {
      const spoofed = { "x-forwarded-for": `198.51.100.${n}` };
      statuses.push((await client.post("/sign-in/email", { email, password: wrong }, { headers: spoofed })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
  });
});
