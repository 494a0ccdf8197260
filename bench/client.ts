/**
 * The stack as its clients reach it, for the bench scripts: what a browser
 * does against the web tier (sign up, in and out, the token exchange) and
 * plain GETs over keep-alive connections to either server.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";

export type Headers = Record<string, string>;

let clients = 0;

/**
 * An address of its own for one simulated client, to send as
 * X-Forwarded-For. The bench stands for a proxy with many clients behind
 * it, so that per-IP limits count each of them apart.
 */
export function newClientIp(): string {
  const n = ++clients;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export interface User {
  email: string;
  password: string;
  /** The session cookies, as a Cookie header. */
  cookie: string;
  userId: string;
  /** The X-Forwarded-For it signed up with, if any. */
  ip?: string;
}

/** A JSON POST to the web tier from its own origin, as its pages make them. */
export function postFromPage(webUrl: string, route: string, body: unknown, headers: Headers = {}): Promise<Response> {
  return fetch(`${webUrl}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: webUrl, ...headers },
    body: JSON.stringify(body),
  });
}

function clientHeaders(ip: string | undefined): Headers {
  return ip === undefined ? {} : { "x-forwarded-for": ip };
}

export async function signUp(webUrl: string, label: string, ip?: string): Promise<User> {
  const email = `bench-${label}-${randomBytes(6).toString("hex")}@example.com`;
  const password = randomBytes(18).toString("base64url");
  const res = await postFromPage(webUrl, "/api/auth/sign-up/email", { name: `Bench ${label}`, email, password }, clientHeaders(ip));
  const body = (await jsonOf(res)) as { user?: { id?: string } } | undefined;
  if (!res.ok || !body?.user?.id) throw new Error(`sign-up failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return { email, password, cookie: cookieOf(res), userId: body.user.id, ip };
}

/** One sign-in attempt; the caller judges the answer. */
export function signIn(webUrl: string, email: string, password: string, ip?: string): Promise<Response> {
  return postFromPage(webUrl, "/api/auth/sign-in/email", { email, password }, clientHeaders(ip));
}

export async function signOut(webUrl: string, user: User): Promise<void> {
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
export async function exchange(webUrl: string, cookie: string): Promise<{ status: number; token?: string; body: unknown }> {
  const res = await postFromPage(webUrl, "/api/trpc/auth.workerToken", { json: null }, { cookie });
  const body = (await jsonOf(res)) as { result?: { data?: { json?: { token?: string } } } } | undefined;
  const token = res.ok ? body?.result?.data?.json?.token : undefined;
  return { status: res.status, token, body };
}

export async function workerToken(webUrl: string, cookie: string): Promise<string> {
  const { status, token, body } = await exchange(webUrl, cookie);
  if (!token) throw new Error(`auth.workerToken failed: HTTP ${status} ${JSON.stringify(body)}`);
  return token;
}

export async function fetchOk(url: string, headers: Headers): Promise<string> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text}`);
  return text;
}

export async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A GET over `agent`'s keep-alive connections: lighter than fetch, so a
 * loop of them measures the server rather than the client. Rejects when
 * the connection fails or no answer is complete within `timeoutMs`.
 */
export function get(url: string, headers: Headers, agent: http.Agent, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.once("error", reject);
  });
}

/**
 * Why a tRPC server refused a call: `data.reason` (the worker's reason
 * code) or else `data.code`, of the answer or of a batch's first call.
 */
export function refusalOf(body: Buffer | unknown): string | undefined {
  let parsed = body;
  if (Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(body.toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  }
  const first = (Array.isArray(parsed) ? parsed[0] : parsed) as { error?: { json?: unknown; data?: { reason?: unknown; code?: unknown } } } | undefined;
  // The web tier's answers are superjson: the error sits under `json`.
  const error = (first?.error?.json ?? first?.error) as { data?: { reason?: unknown; code?: unknown } } | undefined;
  const why = error?.data?.reason ?? error?.data?.code;
  return typeof why === "string" ? why : undefined;
}
