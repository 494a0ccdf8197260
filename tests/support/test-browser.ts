import { randomBytes } from "node:crypto";

import { auth as appAuth, type Auth } from "~/server/auth";

/** Where the app is served in tests: vitest.config.ts's BETTER_AUTH_URL. */
export const appOrigin = "http://localhost:3000";

export interface TestResponse {
  status: number;
  json: Record<string, unknown> | null;
  headers: Headers;
}

/** The password test users sign up with. */
export const TEST_PASSWORD = "correct horse battery";

/**
 * Talks to Better Auth's HTTP handler the way the browser does (JSON body,
 * Origin header, cookies), without starting a server. Each instance is one
 * browser: its own cookie jar and client IP, so rate-limit buckets never
 * leak between tests (the IP arrives as the X-Forwarded-For of one proxy,
 * which vitest.config.ts's TRUSTED_PROXY_HOPS=1 says to trust). By default it
 * is a page of the app talking to the app's own auth; `auth` and `origin`
 * point it at another deployment.
 */
export class TestBrowser {
  private readonly jar = new Map<string, string>();
  readonly ip = `10.${[1, 2, 3].map(() => randomBytes(1)[0]!).join(".")}`;
  private readonly auth: Auth;
  readonly origin: string;
  private readonly server?: string;

  /** `server`: a web process's URL to send to over HTTP (support/source-web.ts) instead of `auth` in this process. */
  constructor({ auth = appAuth, origin = appOrigin, server }: { auth?: Auth; origin?: string; server?: string } = {}) {
    this.auth = auth;
    this.origin = origin;
    this.server = server;
  }

  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  headers(): Headers {
    const headers = new Headers({ origin: this.origin, "x-forwarded-for": this.ip });
    if (this.jar.size > 0) headers.set("cookie", this.cookie);
    return headers;
  }

  /** Signs a new user up (and so in) in this browser; throws unless Better Auth answers 200. */
  async signUp({ email = uniqueEmail("user"), name = "Ada Lovelace" }: { email?: string; name?: string } = {}) {
    const result = await this.post("/sign-up/email", { name, email, password: TEST_PASSWORD });
    if (result.status !== 200)
      throw new Error(`sign-up failed: HTTP ${String(result.status)} ${JSON.stringify(result.json)}`);
    return { email, result };
  }

  /**
   * POSTs to /api/auth`path`: JSON, or a form for URLSearchParams. `headers`
   * override the browser's own (e.g. another Origin); null removes one.
   */
  async post(
    path: string,
    body: unknown = {},
    options: { headers?: Record<string, string | null> } = {},
  ): Promise<TestResponse> {
    const form = body instanceof URLSearchParams;
    const headers: Record<string, string | null> = form ? {} : { "content-type": "application/json" };
    return this.send("POST", path, form ? body : JSON.stringify(body), { ...headers, ...options.headers });
  }

  /** GETs /api/auth`path` (e.g. /get-session), with this browser's cookies. */
  async get(path: string, { headers = {} }: { headers?: Record<string, string | null> } = {}): Promise<TestResponse> {
    return this.send("GET", path, undefined, headers);
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    body: BodyInit | undefined,
    overrides: Record<string, string | null>,
  ): Promise<TestResponse> {
    const headers = this.headers();
    for (const [name, value] of Object.entries(overrides)) {
      if (value === null) headers.delete(name);
      else headers.set(name, value);
    }
    const response = this.server
      ? await fetch(`${this.server}/api/auth${path}`, { method, headers, body, redirect: "manual" })
      : await this.auth.handler(new Request(`${this.origin}/api/auth${path}`, { method, headers, body }));
    for (const line of response.headers.getSetCookie()) {
      const { name, value, attributes } = parseSetCookie(line);
      if (value === "" || attributes["max-age"] === "0") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.includes("json") ?? false;
    return {
      status: response.status,
      json: isJson && text ? (JSON.parse(text) as Record<string, unknown>) : null,
      headers: response.headers,
    };
  }
}

export interface SetCookie {
  name: string;
  value: string;
  /** Lower-cased attribute names; flags (HttpOnly, Secure) map to true. */
  attributes: Record<string, string | true>;
}

/** One Set-Cookie line, read as RFC 6265 §5.2 does (names case-insensitive). */
export function parseSetCookie(line: string): SetCookie {
  const [pair = "", ...parts] = line.split(";");
  // A pair without "=" is a value with an empty name (RFC 6265 §5.2 step 5).
  const eq = pair.indexOf("=");
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const at = part.indexOf("=");
    const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    if (key) attributes[key] = at === -1 ? true : part.slice(at + 1).trim();
  }
  return { name: eq === -1 ? "" : pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(6).toString("hex")}@example.test`;
}
