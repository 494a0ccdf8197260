import { randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import { auth } from "~/server/auth";
import { appOrigin, TestBrowser } from "../support/test-browser";

// Every Better Auth endpoint the app serves over HTTP, the plugins' included
// (two-factor, passkeys, OpenID Connect, the app's own), signed out and
// signed in, with bodies and queries no form sends: not JSON, the wrong
// JSON, every usual field of the wrong type or far too long. Whatever the
// endpoint makes of them, the answer is a 4xx (or a redirect), never a 500.
// The list comes from the auth instance itself, so a plugin added later is
// covered without touching this file.

interface Endpoint {
  path: string;
  options: { method: string | string[]; metadata?: { SERVER_ONLY?: boolean } };
}

const endpoints = Object.values(auth.api as unknown as Record<string, Partial<Endpoint>>)
  .filter((endpoint): endpoint is Endpoint => typeof endpoint?.path === "string" && !!endpoint.options)
  .filter((endpoint) => !endpoint.options.metadata?.SERVER_ONLY);

const FIELDS = [
  "email",
  "password",
  "newPassword",
  "currentPassword",
  "name",
  "token",
  "code",
  "id",
  "accountId",
  "providerId",
  "provider",
  "callbackURL",
  "errorCallbackURL",
  "newEmail",
  "idToken",
  "response",
  "trustDevice",
  "sessionToken",
  "disableRedirect",
  "state",
];
const LONG = "x".repeat(20_000);

/** Raw bodies: [label, body]. */
const BODIES: [string, string][] = [
  ["not JSON", "{"],
  ["an array", "[]"],
  ["null", "null"],
  ["a number", "7"],
  ["an empty object", "{}"],
  ["numbers", JSON.stringify(Object.fromEntries(FIELDS.map((field) => [field, 123456])))],
  ["objects", JSON.stringify(Object.fromEntries(FIELDS.map((field) => [field, { $ne: null }])))],
  ["arrays", JSON.stringify(Object.fromEntries(FIELDS.map((field) => [field, ["a", "b"]])))],
  ["20,000-character strings", JSON.stringify(Object.fromEntries(FIELDS.map((field) => [field, LONG])))],
  // Nested answers (a passkey's credential, a two-factor response) whose fields are numbers.
  [
    "nested objects of numbers",
    JSON.stringify(
      Object.fromEntries(
        FIELDS.map((field) => [field, { id: 1, rawId: 1, type: 1, response: { clientDataJSON: 1, signature: 1 } }]),
      ),
    ),
  ],
];
const QUERIES: [string, string][] = [
  ["no query", ""],
  ["repeated fields", FIELDS.map((field) => `${field}=a&${field}=b`).join("&")],
  ["long fields", FIELDS.map((field) => `${field}=${"y".repeat(2_000)}`).join("&")],
  ["bad percent-encoding", "token=%E0%A4%A&callbackURL=%"],
];

const methodsOf = ({ options }: Endpoint) => (Array.isArray(options.method) ? options.method : [options.method]);
const urlOf = (path: string, query = "") =>
  `${appOrigin}/api/auth${path.replace(/:\w+/g, "x")}${query ? `?${query}` : ""}`;

/** Each request from its own address: the per-IP limits would otherwise answer most of them with 429. */
function headersFor(cookie: string | null, json: boolean) {
  const headers = new Headers({ origin: appOrigin, "x-forwarded-for": `10.9.${randomBytes(2).join(".")}` });
  if (json) headers.set("content-type", "application/json");
  if (cookie) headers.set("cookie", cookie);
  return headers;
}

/**
 * `cookie` plus whatever every GET endpoint sets (a passkey ceremony's
 * challenge, say): the POSTs then get past "no ceremony started" to the
 * checks of the answer itself.
 */
async function afterEveryGet(cookie: string | null): Promise<string | null> {
  const jar = new Map<string, string>();
  for (const part of cookie?.split("; ") ?? []) jar.set(part.slice(0, part.indexOf("=")), part);
  for (const endpoint of endpoints.filter((candidate) => methodsOf(candidate).includes("GET"))) {
    const answer = await auth.handler(new Request(urlOf(endpoint.path), { headers: headersFor(cookie, false) }));
    for (const line of answer.headers.getSetCookie()) {
      const pair = line.split(";", 1)[0]!;
      const name = pair.slice(0, pair.indexOf("="));
      if (!jar.has(name) && !/max-age=0/i.test(line)) jar.set(name, pair);
    }
  }
  return jar.size > 0 ? [...jar.values()].join("; ") : null;
}

/**
 * The 5xx answers of every endpoint to every odd input. `session` gives the
 * cookie to send, anew for each endpoint: one of them signs out or deletes
 * the account, and the next must still be asked signed in.
 */
async function serverErrors(session: () => Promise<string | null>): Promise<string[]> {
  const failures: string[] = [];
  for (const endpoint of endpoints) {
    const cookie = await afterEveryGet(await session());
    for (const method of methodsOf(endpoint)) {
      const tries: [string, Request][] =
        method === "GET"
          ? QUERIES.map(([label, query]) => [
              label,
              new Request(urlOf(endpoint.path, query), { headers: headersFor(cookie, false) }),
            ])
          : BODIES.map(([label, body]) => [
              label,
              new Request(urlOf(endpoint.path), { method, headers: headersFor(cookie, true), body }),
            ]);
      for (const [label, request] of tries) {
        const answer = await auth.handler(request);
        if (answer.status >= 500) {
          failures.push(
            `${method} ${endpoint.path} (${label}): ${answer.status} ${(await answer.text()).slice(0, 200)}`,
          );
        }
      }
    }
  }
  return failures;
}

describe("every auth endpoint, with input no form sends", () => {
  it("lists the plugins' endpoints too (two-factor, passkeys, provider sign-in, the app's own)", () => {
    const paths = endpoints.map((endpoint) => endpoint.path);
    for (const path of [
      "/two-factor/verify-totp",
      "/passkey/verify-authentication",
      "/sign-in/social",
      "/callback/:id",
      "/delete-user/send-link",
    ])
      expect(paths).toContain(path);
  });

  it("signed out: never a 500", async () => {
    expect(await serverErrors(async () => null)).toEqual([]);
  }, 300_000);

  it("signed in: never a 500", async () => {
    const signedIn = async () => {
      const browser = new TestBrowser();
      await browser.signUp();
      return browser.cookie;
    };
    expect(await serverErrors(signedIn)).toEqual([]);
  }, 300_000);
});
