/**
 * The web tier as a browser's pages reach it over HTTP — sign up, in and
 * out, the token exchange — for whatever drives a running stack from
 * outside: the e2e suite and the bench scripts.
 */
import { randomBytes } from "node:crypto";

export type Headers = Record<string, string>;

export interface User {
  name: string;
  email: string;
  password: string;
  /** The session cookies, as a Cookie header. */
  cookie: string;
  userId: string;
  /** The X-Forwarded-For it signed up with, if any. */
  ip?: string;
}

/**
 * Where a request goes: the app's URL, or one web process addressed directly
 * behind a load balancer, whose pages' origin is the app's (`origin`), not
 * the process's own address.
 */
export type WebTarget = string | { url: string; origin: string };

/** A JSON POST to the web tier from its own origin, as its pages make them. */
export function postFromPage(web: WebTarget, route: string, body: unknown, headers: Headers = {}): Promise<Response> {
  const { url, origin } = typeof web === "string" ? { url: web, origin: web } : web;
  return fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, ...headers },
    body: JSON.stringify(body),
  });
}

let clients = 0;

/**
 * An address of its own for one simulated client, to send as
 * X-Forwarded-For to a web tier that trusts one proxy hop: the caller stands
 * for a proxy with many clients behind it, so that per-IP limits (sign-up
 * above all) count each of them apart.
 */
export function newClientIp(): string {
  const n = ++clients;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

function clientHeaders(ip: string | undefined): Headers {
  return ip === undefined ? {} : { "x-forwarded-for": ip };
}

/** A new user, signed up (and so in); `label` goes into the name and the email. */
export async function signUp(webUrl: WebTarget, label: string, ip?: string): Promise<User> {
  const name = `Person ${label}`;
  const email = `${label}-${randomBytes(6).toString("hex")}@example.com`;
  const password = randomBytes(18).toString("base64url");
  const res = await postFromPage(webUrl, "/api/auth/sign-up/email", { name, email, password }, clientHeaders(ip));
  const body = (await jsonOf(res)) as { user?: { id?: string } } | undefined;
  if (!res.ok || !body?.user?.id) throw new Error(`sign-up failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { name, email, password, cookie: cookieOf(res), userId: body.user.id, ip };
}

/** One sign-in attempt; the caller judges the answer. */
export function signIn(webUrl: WebTarget, email: string, password: string, ip?: string): Promise<Response> {
  return postFromPage(webUrl, "/api/auth/sign-in/email", { email, password }, clientHeaders(ip));
}

export async function signOut(webUrl: WebTarget, user: User): Promise<void> {
  const res = await postFromPage(webUrl, "/api/auth/sign-out", {}, { ...clientHeaders(user.ip), cookie: user.cookie });
  if (!res.ok) throw new Error(`sign-out failed: HTTP ${res.status} ${JSON.stringify(await jsonOf(res))}`);
  await res.arrayBuffer();
}

/** The cookies a response sets, as the Cookie header that sends them back. */
export function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((setCookie) => setCookie.split(";", 1)[0])
    .join("; ");
}

/** The exchange, auth.workerToken, over tRPC's HTTP protocol with superjson; `token` is undefined unless it succeeded. */
export async function exchange(
  webUrl: WebTarget,
  cookie: string,
): Promise<{ status: number; token?: string; body: unknown }> {
  const res = await postFromPage(webUrl, "/api/trpc/auth.workerToken", { json: null }, { cookie });
  const body = (await jsonOf(res)) as { result?: { data?: { json?: { token?: string } } } } | undefined;
  const token = res.ok ? body?.result?.data?.json?.token : undefined;
  return { status: res.status, token, body };
}

export async function workerToken(webUrl: WebTarget, cookie: string): Promise<string> {
  const { status, token, body } = await exchange(webUrl, cookie);
  if (!token) throw new Error(`auth.workerToken failed: HTTP ${status} ${JSON.stringify(body)}`);
  return token;
}

/** The body as JSON, or as text when it is not JSON. */
export async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
