/**
 * Puts a RequestGate (./request-gate.ts) in front of every request this
 * process's HTTP server handles, Next.js's standalone server included: its
 * server is made inside Next.js, out of reach, so the gate goes where every
 * request passes, the "request" event of node:http's Server. Next.js's proxy
 * cannot do this: it runs before a render but never learns when one ends.
 *
 * A refused request gets a 503 with Retry-After at once: a page that
 * reloads itself, or JSON under /api.
 */
import http from "node:http";

import { BUSY, unavailableJson, unavailablePage } from "~/server/unavailable-answers";
import type { RequestGate } from "./request-gate";

export interface GateLog {
  warn(fields: object, message: string): void;
}

// Cheap to serve and needed to see the refusal page or the health of the process.
const UNGATED = [/^\/_next\/static\//, /^\/api\/healthz(\?|$)/, /^\/(favicon\.ico|icon\.svg)(\?|$)/];

/** Refusals are counted, and logged at most this often, not one line each. */
const LOG_EVERY_MS = 5_000;

export function gateHttpRequests(gate: RequestGate, log: GateLog): void {
  type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  // Called with each server as `this`, as Node.js calls it.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const emit = http.Server.prototype.emit as Emit;
  let refused = 0;
  let lastLogged = 0;
  const noteRefusal = () => {
    refused++;
    const now = Date.now();
    if (now - lastLogged < LOG_EVERY_MS) return;
    log.warn({ refused, ...gate.load() }, "overloaded: requests refused with 503 busy");
    refused = 0;
    lastLogged = now;
  };

  const gated: Emit = function (event, ...args) {
    if (event !== "request") return emit.call(this, event, ...args);
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    if (UNGATED.some((path) => path.test(req.url ?? ""))) return emit.call(this, event, req, res);
    void gate.admit().then(async (release) => {
      if (!release) {
        noteRefusal();
        await refuse(req, res);
        return;
      }
      // Answered, or the caller went away while it waited or was served.
      res.once("close", release);
      if (res.closed || req.destroyed) release();
      else emit.call(this, event, req, res);
    });
    return true;
  };
  http.Server.prototype.emit = gated as typeof http.Server.prototype.emit;
}

async function refuse(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const answer = (req.url ?? "").startsWith("/api/") ? unavailableJson(BUSY) : unavailablePage(BUSY);
  const body = await answer.text();
  // The body is left unread: the connection is closed after the answer rather than reused.
  res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), connection: "close" });
  res.end(body);
}
