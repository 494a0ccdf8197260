import { Writable } from "node:stream";

import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { GET, POST } from "~/app/api/auth/[...all]/route";
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from "~/contract/user-fields";
import { auth } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { authWith } from "../support/app-auth";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail, type TestResponse } from "../support/test-browser";

// What an attack run found, each pinned: password guessing against one
// account (rotating X-Forwarded-For or not), verify-password as an oracle,
// enumeration, unbounded user fields, forged log lines, session tokens in
// page-readable bodies, cacheable auth answers.

const password = TEST_PASSWORD;
const wrong = "not the password";

function signIn(browser: TestBrowser, email: string, guess = wrong, headers?: Record<string, string>) {
  return browser.post("/sign-in/email", { email, password: guess }, { headers });
}

function expectTooManyAttempts(response: TestResponse, seconds: number) {
  expect(response.status).toBe(429);
  const wait = `${String(seconds)} second${seconds === 1 ? "" : "s"}`;
  expect(response.json).toEqual({ code: "TOO_MANY_ATTEMPTS", message: `Too many attempts. Try again in ${wait}.` });
  expect(response.headers.get("retry-after")).toBe(String(seconds));
  expect(response.headers.get("x-retry-after")).toBe(String(seconds));
}

// Only Date is faked: the limiter's clock stands still between attempts (a
// slow run cannot slide out of a window) and jumps when told, while timers
// (database I/O) run for real.
let start: number;
beforeEach(() => {
  start = Date.now();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(start);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("sign-in: 5 password checks per account per minute, from any number of IPs", () => {
  it("the 6th is 429 with the wait in seconds, from a new IP too; the right password waits as well; after a minute it works", async () => {
    const { email } = await new TestBrowser().signUp();
    // Every attempt from another client IP: a botnet, or a header rotated behind a proxy.
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await signIn(new TestBrowser(), email)).status, `attempt ${attempt}`).toBe(401);
    }
    expectTooManyAttempts(await signIn(new TestBrowser(), email), 60);
    // Counted before the password is checked: a 200 here would confirm a guess.
    expect((await signIn(new TestBrowser(), email, password)).status).toBe(429);

    vi.setSystemTime(start + 59_001);
    expectTooManyAttempts(await signIn(new TestBrowser(), email, password), 1);

    vi.setSystemTime(start + 60_000);
    expect((await signIn(new TestBrowser(), email, password)).status).toBe(200);
  });

  it("a parallel burst of 20 gets 5 password checks, not more", async () => {
    const { email } = await new TestBrowser().signUp();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => signIn(new TestBrowser(), email).then((r) => r.status)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it("is one budget for every spelling of the address", async () => {
    const { email } = await new TestBrowser().signUp();
    const spellings = [email, email.toUpperCase(), ` ${email}`, email.replace(/^./, (c) => c.toUpperCase()), email];
    for (const spelling of spellings) expect([400, 401]).toContain((await signIn(new TestBrowser(), spelling)).status);
    expect((await signIn(new TestBrowser(), email.toUpperCase())).status).toBe(429);
  });

  it("a correct password clears the account's count", async () => {
    const { email } = await new TestBrowser().signUp();
    const owner = new TestBrowser();
    for (let attempt = 1; attempt <= 4; attempt++) expect((await signIn(owner, email)).status).toBe(401);
    expect((await signIn(owner, email, password)).status).toBe(200);
    for (let attempt = 1; attempt <= 5; attempt++) expect((await signIn(new TestBrowser(), email)).status).toBe(401);
    expect((await signIn(new TestBrowser(), email)).status).toBe(429);
  });

  it("an unregistered email is limited exactly like a registered one: a 429 says nothing about existence", async () => {
    const registered = (await new TestBrowser().signUp()).email;
    const unknown = uniqueEmail("nobody");
    const answers = [];
    for (const email of [registered, unknown]) {
      const statuses = [];
      for (let attempt = 1; attempt <= 5; attempt++) statuses.push((await signIn(new TestBrowser(), email)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      answers.push(await signIn(new TestBrowser(), email));
    }
    for (const answer of answers) expectTooManyAttempts(answer, 60);
  });

  it("the counts live in the database: another web instance (or a restarted one) shares them", async () => {
    const { email } = await new TestBrowser().signUp();
    const instances = [auth, authWith({ trustedProxyHops: 1 }), authWith({ trustedProxyHops: 1 })];
    const statuses = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push((await signIn(new TestBrowser({ auth: instances[attempt % 3] }), email)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe("client IP: TRUSTED_PROXY_HOPS", () => {
  describe("0 (the default: no proxy, so no X-Forwarded-For entry is believed)", () => {
    const noProxy = authWith();

    it("rotating X-Forwarded-For earns no new attempts on an account", async () => {
      const { email } = await new TestBrowser({ auth: noProxy }).signUp();
      const client = new TestBrowser({ auth: noProxy });
      const statuses = [];
      for (let n = 1; n <= 6; n++)
        statuses.push((await signIn(client, email, wrong, { "x-forwarded-for": `198.51.100.${n}` })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it("has no per-IP limit (an address the client picks would let anyone spend anyone's budget), and records no IP on sessions", async () => {
      const client = new TestBrowser({ auth: noProxy });
      for (let n = 1; n <= 11; n++) expect((await signIn(client, uniqueEmail("spray"))).status).toBe(401);

      const { email } = await new TestBrowser({ auth: noProxy }).signUp();
      const session = await db.session.findFirstOrThrow({ where: { user: { email } } });
      expect(session.ipAddress || null).toBeNull();
    });
  });

  describe("1 (one proxy: the right-most entry is the address it saw)", () => {
    it("distinct client IPs get distinct budgets, while the per-account limit still holds", async () => {
      // 10 password checks per IP per minute; here 11 accounts from one IP, then from another.
      const [first, second] = [new TestBrowser(), new TestBrowser()];
      for (let n = 1; n <= 10; n++)
        expect((await signIn(first, uniqueEmail("spray"))).status, `attempt ${n}`).toBe(401);
      expectTooManyAttempts(await signIn(first, uniqueEmail("spray")), 60);
      expect((await signIn(second, uniqueEmail("spray"))).status).toBe(401);
    });

    it("whatever the client writes left of the proxy's entry earns it nothing", async () => {
      const client = new TestBrowser();
      const spoofed = (n: number) => ({ "x-forwarded-for": `203.0.113.${n}, ${client.ip}` });
      for (let n = 1; n <= 10; n++)
        expect((await signIn(client, uniqueEmail("spray"), wrong, spoofed(n))).status).toBe(401);
      expect((await signIn(client, uniqueEmail("spray"), wrong, spoofed(11))).status).toBe(429);
    });

    it("the public key set is never throttled: verifiers behind one address refetch it at every rotation", async () => {
      const worker = new TestBrowser();
      const statuses = new Set<number>();
      // Past the 100-a-minute budget every other path of this IP has.
      for (let n = 1; n <= 120; n++) statuses.add((await worker.get("/jwks")).status);
      expect([...statuses]).toEqual([200]);
      expect((await worker.get("/get-session")).status).toBe(200);
    });

    it("sessions record that address, not what the client wrote", async () => {
      const browser = new TestBrowser();
      const email = uniqueEmail("ip");
      const result = await browser.post(
        "/sign-up/email",
        { name: "Ip", email, password },
        { headers: { "x-forwarded-for": `6.6.6.6, ${browser.ip}` } },
      );
      expect(result.status).toBe(200);
      const session = await db.session.findFirstOrThrow({ where: { user: { email } } });
      expect(session.ipAddress).toBe(browser.ip);
    });
  });
});

describe("password checks behind a session", () => {
  it("verify-password is off: 404, even with a valid session", async () => {
    const browser = new TestBrowser();
    await browser.signUp();
    const result = await browser.post("/verify-password", { password });
    expect(result.status).toBe(404);
  });

  it("change-password with a stolen cookie draws on the account's sign-in budget", async () => {
    const victim = new TestBrowser();
    const { email } = await victim.signUp();
    const thief = new TestBrowser();
    const stolen = { cookie: victim.cookie };
    for (let attempt = 1; attempt <= 3; attempt++) expect((await signIn(new TestBrowser(), email)).status).toBe(401);
    const guesses = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await thief.post(
        "/change-password",
        { currentPassword: `guess ${attempt}`, newPassword: "a new password 123" },
        { headers: stolen },
      );
      guesses.push(result.status);
    }
    expect(guesses).toEqual([400, 400, 429]);
  });
});

describe("enumeration", () => {
  it("sign-in: an unknown email and a wrong password get the same answer", async () => {
    const { email } = await new TestBrowser().signUp();
    const wrongPassword = await signIn(new TestBrowser(), email);
    const unknownEmail = await signIn(new TestBrowser(), uniqueEmail("nobody"));
    expect(unknownEmail.status).toBe(wrongPassword.status);
    expect(unknownEmail.json).toEqual(wrongPassword.json);
    expect(wrongPassword).toMatchObject({ status: 401, json: { code: "INVALID_EMAIL_OR_PASSWORD" } });
  });

  // With REQUIRE_EMAIL_VERIFICATION on (production's default) sign-up does
  // not say it: account-verification.test.ts.
  it("without required verification, sign-up says an email is taken, at 5 answers per IP per minute", async () => {
    const { email: taken } = await new TestBrowser().signUp();
    const prober = new TestBrowser();
    const statuses = [];
    for (const email of [taken, uniqueEmail("probe"), taken, uniqueEmail("probe"), taken]) {
      statuses.push((await prober.post("/sign-up/email", { name: "Probe", email, password })).status);
    }
    expect(statuses).toEqual([422, 200, 422, 200, 422]);
    expectTooManyAttempts(
      await prober.post("/sign-up/email", { name: "Probe", email: uniqueEmail("probe"), password }),
      60,
    );
  });
});

describe("user field limits, on every path that writes them", () => {
  it.each([
    [
      "a name over 100 characters",
      { name: "n".repeat(MAX_NAME_LENGTH + 1) },
      "NAME_TOO_LONG",
      /name too long: use at most 100 characters/i,
    ],
    ["a 5 MB name", { name: "n".repeat(5 * 1024 * 1024) }, "NAME_TOO_LONG", /name too long/i],
    [
      "an email over 254 characters",
      { email: `${"e".repeat(MAX_EMAIL_LENGTH)}@example.test` },
      "EMAIL_TOO_LONG",
      /email too long: use at most 254 characters/i,
    ],
    [
      "an image URL over 2048 characters",
      { image: `https://example.test/${"i".repeat(2048)}` },
      "IMAGE_URL_TOO_LONG",
      /image url too long/i,
    ],
  ])("sign-up refuses %s with 400 and creates nothing", async (_, fields, code, message) => {
    const body = { name: "Ada", email: uniqueEmail("long"), password, ...fields };
    const result = await new TestBrowser().post("/sign-up/email", body);
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ code });
    expect(result.json?.message).toMatch(message);
    expect(await db.user.count({ where: { email: body.email } })).toBe(0);
  });

  it("sign-up takes a name of exactly 100 characters", async () => {
    const name = "n".repeat(MAX_NAME_LENGTH);
    const { email } = await new TestBrowser().signUp({ name });
    expect((await db.user.findUniqueOrThrow({ where: { email } })).name).toBe(name);
  });

  it("update-user refuses a name over 100 characters and keeps the old one", async () => {
    const browser = new TestBrowser();
    const { email } = await browser.signUp({ name: "Ada" });
    const result = await browser.post("/update-user", { name: "n".repeat(MAX_NAME_LENGTH + 1) });
    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ code: "NAME_TOO_LONG" });
    expect((await db.user.findUniqueOrThrow({ where: { email } })).name).toBe("Ada");

    expect((await browser.post("/update-user", { name: "Ada L." })).status).toBe(200);
  });
});

describe("Better Auth's log lines", () => {
  it("a callbackURL with a newline cannot plant a record: every message is one JSON line, nothing goes to the console", async () => {
    let output = "";
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const console_ = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    const logged = authWith({ trustedProxyHops: 1, logger: pino({ level: "debug" }, sink) });
    const { email } = await new TestBrowser({ auth: logged }).signUp();

    const forged = JSON.stringify({ level: 30, time: Date.now(), service: "web", msg: "forged: admin signed in" });
    const result = await new TestBrowser({ auth: logged }).post("/sign-in/email", {
      email,
      password,
      callbackURL: `https://evil.example/\n${forged}\n`,
    });
    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code: "INVALID_CALLBACK_URL" });

    const lines = output.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const records = lines.map((line) => JSON.parse(line) as { msg: string; component?: string });
    expect(records.some((record) => record.msg.includes("Invalid callbackURL"))).toBe(true);
    expect(records.filter((record) => record.msg.startsWith("forged"))).toEqual([]);
    expect(records.every((record) => record.component === "better-auth")).toBe(true);
    for (const spy of console_) expect(spy).not.toHaveBeenCalled();
  });
});

describe("no session token reaches page JavaScript", () => {
  it("sign-up, sign-in, get-session and list-sessions answer without one; server code still gets it", async () => {
    const browser = new TestBrowser();
    const { email, result: signedUp } = await browser.signUp();
    expect(signedUp.json).toMatchObject({ user: { email } });
    expect(signedUp.json).not.toHaveProperty("token");

    const signedIn = await signIn(browser, email, password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.json).not.toHaveProperty("token");

    const session = await browser.get("/get-session");
    expect(session.json).toMatchObject({ session: { id: expect.any(String) }, user: { email } });
    expect(session.json?.session).not.toHaveProperty("token");

    const sessions = (await browser.get("/list-sessions")).json as unknown as Record<string, unknown>[];
    expect(sessions).toHaveLength(2);
    for (const item of sessions) {
      expect(item).toHaveProperty("id");
      expect(item).not.toHaveProperty("token");
    }

    // The cookie still works, and auth.api (no HTTP request) keeps Better Auth's shape.
    const fromServer = await auth.api.getSession({ headers: browser.headers() });
    expect(fromServer?.session.token).toEqual(expect.any(String));
  });
});

describe("Cache-Control: no-store on every /api/auth answer", () => {
  const route = (method: "GET" | "POST", path: string, browser: TestBrowser, body?: unknown) => {
    const headers = browser.headers();
    if (body !== undefined) headers.set("content-type", "application/json");
    const request = new Request(`${appOrigin}/api/auth${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (method === "GET" ? GET : POST)(request);
  };

  it("sign-up, sign-in, get-session, a refusal, a 429, a 404 and the public JWKS", async () => {
    const browser = new TestBrowser();
    const email = uniqueEmail("cache");
    const answers = [await route("POST", "/sign-up/email", browser, { name: "Cache", email, password })];
    for (let attempt = 1; attempt <= 5; attempt++)
      answers.push(await route("POST", "/sign-in/email", new TestBrowser(), { email, password: wrong }));
    answers.push(
      await route("POST", "/sign-in/email", new TestBrowser(), { email, password }),
      await route("GET", "/get-session", browser),
      await route("POST", "/verify-password", browser, { password }),
      await route("GET", "/jwks", browser),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 401, 401, 401, 401, 429, 200, 404, 200]);
    for (const answer of answers)
      expect(answer.headers.get("cache-control"), `${answer.url} ${String(answer.status)}`).toBe("no-store");
  });
});

describe("/api/auth body limit", () => {
  const fiveMegabytes = () =>
    JSON.stringify({ name: "n".repeat(5 * 1024 * 1024), email: uniqueEmail("big"), password });

  it("refuses a 5 MB sign-up with 413 before Better Auth reads it, declared or chunked, and creates nothing", async () => {
    const browser = new TestBrowser();
    const chunked = browser.headers();
    chunked.set("content-type", "application/json");
    const body = fiveMegabytes();
    const declared = new Headers(chunked);
    declared.set("content-length", String(Buffer.byteLength(body)));
    const email = (JSON.parse(body) as { email: string }).email;
    const answers = [
      await POST(new Request(`${appOrigin}/api/auth/sign-up/email`, { method: "POST", headers: declared, body })),
      await POST(
        new Request(`${appOrigin}/api/auth/sign-up/email`, {
          method: "POST",
          headers: chunked,
          body: new Blob([body]).stream(),
          duplex: "half",
        } as RequestInit),
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(413);
      expect(await answer.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
      expect(answer.headers.get("cache-control")).toBe("no-store");
    }
    expect(await db.user.count({ where: { email } })).toBe(0);
  });
});
