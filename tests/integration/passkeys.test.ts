import { describe, expect, it } from "vitest";

import { auth } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { SoftwareAuthenticator } from "../support/software-authenticator";
import { appOrigin, TestBrowser, type TestResponse } from "../support/test-browser";

// Passkeys through Better Auth's plugin and the app's checks around it
// (src/server/account/passkeys.ts), with an authenticator in software that
// signs whatever a test needs. The app is configured as http://localhost:3000
// (vitest.config.ts): rpID localhost, that origin only.

interface Options {
  challenge: string;
  rp: { id?: string };
  rpId?: string;
}

/** A refusal a person can read: the status, and a message in words. */
function expectRefusal(answer: TestResponse, status: number, label = "") {
  expect(answer.status, `${label}: ${JSON.stringify(answer.json)}`).toBe(status);
  expect(answer.json, label).toMatchObject({ message: expect.stringMatching(/^[A-Z[].{4,}/) });
}

async function registerOptions(browser: TestBrowser, name?: string): Promise<Options> {
  const answer = await browser.get(`/passkey/generate-register-options${name ? `?name=${name}` : ""}`);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return answer.json as unknown as Options;
}

async function authenticateOptions(browser: TestBrowser): Promise<Options> {
  const answer = await browser.get("/passkey/generate-authenticate-options");
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return answer.json as unknown as Options;
}

/** A signed-up user with one passkey named `name` in `authenticator`. */
async function userWithPasskey(authenticator: SoftwareAuthenticator, name = "Laptop") {
  const browser = new TestBrowser();
  const { email } = await browser.signUp();
  const options = await registerOptions(browser, name);
  const credential = authenticator.register(options);
  const answer = await browser.post("/passkey/verify-registration", { response: credential, name });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return { browser, email, credentialId: credential.id, passkeyId: (answer.json as { id: string }).id };
}

/** A sign-in with `credentialId` from a new, signed-out browser. */
async function signInWithPasskey(
  authenticator: SoftwareAuthenticator,
  credentialId: string,
  sign: Parameters<SoftwareAuthenticator["authenticate"]>[2] = {},
) {
  const browser = new TestBrowser();
  const assertion = authenticator.authenticate(await authenticateOptions(browser), credentialId, sign);
  const answer = await browser.post("/passkey/verify-authentication", { response: assertion });
  return { browser, answer };
}

describe("a passkey", () => {
  it("is made for the app's host, named, listed without the label as the account name, and signs in", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const browser = new TestBrowser();
    const { email } = await browser.signUp();
    const options = await registerOptions(browser, "Work laptop");
    expect(options.rp).toEqual({ id: "localhost", name: "Typed Worker Stack" });
    // The browser's passkey list shows the account, not the label.
    expect((options as unknown as { user: { name: string } }).user.name).toBe(email);
    const credential = authenticator.register(options);
    const added = await browser.post("/passkey/verify-registration", { response: credential, name: "Work laptop" });
    expect(added.status).toBe(200);

    const list = await browser.get("/passkey/list-user-passkeys");
    expect(list.json).toEqual([expect.objectContaining({ name: "Work laptop", createdAt: expect.any(String) })]);

    const { browser: other, answer } = await signInWithPasskey(authenticator, credential.id);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect((answer.json as { user: { email: string } }).user.email).toBe(email);
    expect(JSON.stringify(answer.json)).not.toMatch(/"token"/);
    const session = await other.get("/get-session");
    expect((session.json as { user: { email: string } }).user.email).toBe(email);
  });

  it("stores the signature count, and a sign-in whose count did not go up is refused", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const { credentialId } = await userWithPasskey(authenticator);
    const counter = async () => (await db.passkey.findUniqueOrThrow({ where: { credentialID: credentialId } })).counter;
    expect(await counter()).toBe(0);
    expect((await signInWithPasskey(authenticator, credentialId, { signCount: 5 })).answer.status).toBe(200);
    expect(await counter()).toBe(5);
    // A cloned authenticator replays a count at or below the last one.
    for (const signCount of [5, 3]) {
      const { browser, answer } = await signInWithPasskey(authenticator, credentialId, { signCount });
      expectRefusal(answer, 400, `count ${String(signCount)}`);
      expect(answer.json).toMatchObject({ code: "AUTHENTICATION_FAILED" });
      expect((await browser.get("/get-session")).json).toBeNull();
    }
    expect(await counter()).toBe(5);
    expect((await signInWithPasskey(authenticator, credentialId, { signCount: 6 })).answer.status).toBe(200);
  });

  it("is removed with its user", async () => {
    const { browser, email } = await userWithPasskey(new SoftwareAuthenticator(appOrigin));
    expect(await db.passkey.count({ where: { user: { email } } })).toBe(1);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    await db.user.delete({ where: { id: user.id } });
    expect(await db.passkey.count({ where: { userId: user.id } })).toBe(0);
    expect((await browser.get("/get-session")).json).toBeNull();
  });
});

describe("another origin or relying party", () => {
  it("cannot register a passkey: 400 in words, nothing stored", async () => {
    for (const [label, sign] of [
      ["the app at 127.0.0.1", { origin: "http://127.0.0.1:3000" }],
      ["another site", { origin: "https://evil.example" }],
      ["another relying party", { rpId: "evil.example" }],
    ] as const) {
      const browser = new TestBrowser();
      await browser.signUp();
      const credential = new SoftwareAuthenticator(appOrigin).register(await registerOptions(browser), sign);
      const answer = await browser.post("/passkey/verify-registration", { response: credential, name: "x" });
      expectRefusal(answer, 400, label);
      expect(answer.json, label).toMatchObject({ code: "FAILED_TO_VERIFY_REGISTRATION" });
      expect(await db.passkey.count({ where: { credentialID: credential.id } })).toBe(0);
    }
  });

  it("cannot sign in with one: 400 in words, no session", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const { credentialId } = await userWithPasskey(authenticator);
    for (const [label, sign] of [
      ["the app at 127.0.0.1", { origin: "http://127.0.0.1:3000" }],
      ["another site", { origin: "https://evil.example" }],
      ["another relying party", { rpId: "evil.example" }],
    ] as const) {
      const { browser, answer } = await signInWithPasskey(authenticator, credentialId, sign);
      expectRefusal(answer, 400, label);
      expect((await browser.get("/get-session")).json).toBeNull();
    }
    // The Origin header is no way round it: the configured origin is what the signature must name.
    const browser = new TestBrowser({ origin: "http://127.0.0.1:3000" });
    const assertion = authenticator.authenticate(await authenticateOptions(browser), credentialId, {
      origin: "http://127.0.0.1:3000",
    });
    const answer = await browser.post("/passkey/verify-authentication", { response: assertion });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });
});

describe("someone else's passkey", () => {
  it("cannot be removed, renamed or listed by another account: one 404 for theirs and for none", async () => {
    const owner = await userWithPasskey(new SoftwareAuthenticator(appOrigin));
    const stranger = new TestBrowser();
    await stranger.signUp();
    for (const id of [owner.passkeyId, "no-such-passkey"]) {
      expectRefusal(await stranger.post("/passkey/delete-passkey", { id }), 404, `delete ${id}`);
      expectRefusal(await stranger.post("/passkey/update-passkey", { id, name: "mine" }), 404, `rename ${id}`);
    }
    expect((await stranger.get("/passkey/list-user-passkeys")).json).toEqual([]);
    expect(await db.passkey.findUnique({ where: { id: owner.passkeyId } })).toMatchObject({ name: "Laptop" });
    // Signed out: 401, and the passkey is still there.
    expectRefusal(await new TestBrowser().post("/passkey/delete-passkey", { id: owner.passkeyId }), 401);
    expect(await db.passkey.count({ where: { id: owner.passkeyId } })).toBe(1);

    // Its owner renames and removes it.
    expect(
      (await owner.browser.post("/passkey/update-passkey", { id: owner.passkeyId, name: "Old laptop" })).status,
    ).toBe(200);
    expect((await owner.browser.post("/passkey/delete-passkey", { id: owner.passkeyId })).status).toBe(200);
    expect(await db.passkey.count({ where: { id: owner.passkeyId } })).toBe(0);
  });

  it("cannot be claimed with one's own key: an assertion naming its id is refused", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const victim = await userWithPasskey(authenticator);
    const attacker = await userWithPasskey(authenticator);
    const { browser, answer } = await signInWithPasskey(authenticator, victim.credentialId, {
      keyOf: attacker.credentialId,
    });
    // The signature does not check out against the victim's public key.
    expectRefusal(answer, 401);
    expect(answer.json).toMatchObject({ code: "AUTHENTICATION_FAILED" });
    expect((await browser.get("/get-session")).json).toBeNull();
  });

  it("once removed, signs nobody in: 401 in words", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const { browser, passkeyId, credentialId } = await userWithPasskey(authenticator);
    expect((await browser.post("/passkey/delete-passkey", { id: passkeyId })).status).toBe(200);
    const { answer } = await signInWithPasskey(authenticator, credentialId);
    expectRefusal(answer, 401);
    expect(answer.json).toMatchObject({ code: "PASSKEY_NOT_FOUND" });
  });
});

describe("bad input on the passkey endpoints", () => {
  /** POSTs `body` as is (not JSON-encoded) to `path` with `browser`'s cookies. */
  async function postRaw(browser: TestBrowser, path: string, body: string, extra: Record<string, string> = {}) {
    const headers = browser.headers();
    headers.set("content-type", "application/json");
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return auth.handler(new Request(`${appOrigin}/api/auth${path}`, { method: "POST", headers, body }));
  }

  it("is 4xx in words, never a 500, and stores nothing", async () => {
    const authenticator = new SoftwareAuthenticator(appOrigin);
    const { browser, passkeyId } = await userWithPasskey(authenticator);
    const rowsBefore = await db.passkey.count();
    const good = authenticator.register(await registerOptions(browser));
    const answers: unknown[] = [
      undefined,
      null,
      42,
      "a string",
      [],
      {},
      { id: 42, rawId: 42, type: "public-key", response: {} },
      { ...good, id: { $ne: null } },
      { ...good, id: "" },
      { ...good, id: "A".repeat(100_000) },
      { ...good, type: "password" },
      { ...good, response: null },
      { ...good, response: { ...good.response, clientDataJSON: 7 } },
      { ...good, response: { ...good.response, clientDataJSON: "not base64 ✗" } },
      { ...good, response: { ...good.response, attestationObject: "AAAA" } },
      { ...good, response: { ...good.response, transports: "usb" } },
      { ...good, response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" } },
    ];
    // Each attempt from a client IP of its own: the per-IP budget of passkey sign-ins is not what this tests.
    const ownIp = () => ({ "x-forwarded-for": new TestBrowser().ip });
    for (const path of ["/passkey/verify-registration", "/passkey/verify-authentication"]) {
      for (const [index, response] of answers.entries()) {
        // A fresh challenge each time: the plugin consumes one per attempt.
        const headers = ownIp();
        const options = path.endsWith("registration")
          ? "/passkey/generate-register-options"
          : "/passkey/generate-authenticate-options";
        expect((await browser.get(options, { headers })).status).toBe(200);
        const answer = await browser.post(path, response === undefined ? {} : { response }, { headers });
        expect(answer.status, `${path} #${String(index)}: ${JSON.stringify(answer.json)}`).toBeGreaterThanOrEqual(400);
        expectRefusal(answer, answer.status < 500 ? answer.status : 400, `${path} #${String(index)}`);
      }
      for (const body of ["{", '"x"', "[]", "null", '{"response": "x", "name": 5}']) {
        const answer = await postRaw(browser, path, body, ownIp());
        expect(answer.status, `${path} with ${body}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${path} with ${body}`).toBeLessThan(500);
      }
    }
    // Without a challenge (no cookie): 400 in words.
    expectRefusal(await new TestBrowser().post("/passkey/verify-authentication", { response: good }), 400);

    for (const [path, body] of [
      ["/passkey/delete-passkey", {}],
      ["/passkey/delete-passkey", { id: 42 }],
      ["/passkey/delete-passkey", { id: null }],
      ["/passkey/delete-passkey", { id: ["x"] }],
      ["/passkey/update-passkey", { id: passkeyId }],
      ["/passkey/update-passkey", { id: passkeyId, name: "" }],
      ["/passkey/update-passkey", { id: passkeyId, name: "   " }],
      ["/passkey/update-passkey", { id: passkeyId, name: 42 }],
      ["/passkey/update-passkey", { id: passkeyId, name: "x".repeat(65) }],
      ["/passkey/update-passkey", { id: { contains: "" }, name: "x" }],
      ["/passkey/verify-registration", { response: good, name: "x".repeat(65) }],
    ] as const) {
      expectRefusal(await browser.post(path, body), 400, `${path} ${JSON.stringify(body).slice(0, 80)}`);
    }
    for (const path of ["/passkey/delete-passkey", "/passkey/update-passkey"]) {
      for (const body of ["{", "[]", "null"]) {
        const answer = await postRaw(browser, path, body);
        expect(answer.status, `${path} with ${body}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${path} with ${body}`).toBeLessThan(500);
      }
    }
    const badQuery = await browser.get("/passkey/generate-register-options?authenticatorAttachment=toaster");
    expectRefusal(badQuery, 400, "authenticatorAttachment=toaster");
    expect(await db.passkey.count()).toBe(rowsBefore);
    expect(await db.passkey.findUnique({ where: { id: passkeyId } })).toMatchObject({ name: "Laptop" });
  });
});

describe("the per-IP limit on passkey sign-in", () => {
  it("answers the 31st attempt in a minute from one address with a 429 in words", async () => {
    const browser = new TestBrowser();
    for (let i = 0; i < 30; i++) expect((await browser.get("/passkey/generate-authenticate-options")).status).toBe(200);
    const limited = await browser.post("/passkey/verify-authentication", { response: {} });
    expectRefusal(limited, 429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
