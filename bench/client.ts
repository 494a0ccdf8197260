/**
 * What the bench scripts add to tooling/app-client.ts: plain GETs over
 * keep-alive connections to either server, and reading a refusal's reason
 * and a token's key.
 */
import http from "node:http";

import type { Headers } from "../tooling/app-client";

export async function fetchOk(url: string, headers: Headers): Promise<string> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text}`);
  return text;
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
export async function get(url: string, headers: Headers, agent: http.Agent, timeoutMs = 10_000): Promise<Answer> {
  try {
    return await getOnce(url, headers, agent, timeoutMs);
  } catch (error) {
    // The server closed an idle keep-alive connection as this request went
    // out on it (both servers do after 5 s): the request never reached it,
    // so it is sent again on a new connection, as browsers do.
    if (
      (error as { reusedSocket?: boolean; code?: string }).reusedSocket &&
      (error as { code?: string }).code === "ECONNRESET"
    ) {
      return getOnce(url, headers, agent, timeoutMs);
    }
    throw error;
  }
}

function getOnce(url: string, headers: Headers, agent: http.Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.once("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.once("error", (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
  });
}

/**
 * Why a tRPC server refused a call: `data.reason` (the worker's reason
 * code) or else `data.code`, of the answer or of a batch's first call.
 */
export function refusalOf(body: unknown): string | undefined {
  let parsed = body;
  if (Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(body.toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  }
  type Refusal = { data?: { reason?: unknown; code?: unknown } } | undefined;
  const first = (Array.isArray(parsed) ? parsed[0] : parsed) as { error?: Refusal & { json?: Refusal } } | undefined;
  // The web tier's answers are superjson: the error sits under `json`.
  const error = first?.error?.json ?? first?.error;
  const why = error?.data?.reason ?? error?.data?.code;
  return typeof why === "string" ? why : undefined;
}

/** The signing key a token names in its header (`kid`). */
export function kidOf(token: string): string {
  const header = JSON.parse(Buffer.from(token.split(".", 1)[0]!, "base64url").toString("utf8")) as { kid?: string };
  return header.kid ?? "(none)";
}
