/**
 * One simulated user, as the dashboard's browser tab behaves: it loads the
 * page, calls the worker through the web tier, and calls a worker directly
 * with a token from the exchange (kept in memory and reused until a worker
 * refuses it). Now and then it signs out and in again; when it finds itself
 * signed out (a 401, or the page sending it to /sign-in) it signs in again.
 * Each call to next() makes one request.
 */
import http from "node:http";

import { cookieOf, exchange, postFromPage, signIn, type Headers, type User } from "../tooling/app-client";
import type { ChildService } from "../tooling/child-service";
import { get, kidOf, refusalOf } from "../bench/client";
import { noAnswer, type Outcome } from "./tally";

/** What the load runs against: bench/stack.ts's Stack, or the e2e suite's. */
export interface Target {
  webUrl: string;
  web: ChildService;
  /** The first one is the web tier's WORKER_URL. */
  workers: { url: string; service: ChildService }[];
}

export type Recorder = (endpoint: string, outcome: Outcome, ms: number) => void;

export const ENDPOINT = {
  page: "GET /dashboard",
  viaWeb: "web → worker whoami",
  exchange: "exchange (auth.workerToken)",
  direct: (worker: string) => `${worker} whoami, direct`,
  signOut: "sign-out",
  signIn: "sign-in",
  signOutFault: "sign-out (fault)",
} as const;

/**
 * The per-account limit is 5 password checks a minute: a user that signs in
 * more often than every 12 s would be refused for it, which is the limit
 * working, not the load. Each simulated user keeps its own X-Forwarded-For,
 * so the per-IP limit (10 a minute) holds too.
 */
const SIGN_IN_SPACING_MS = 15_000;

export class SimulatedUser {
  private cookie: string;
  private token?: string;
  private signedIn = true;
  private lastSignIn = performance.now();
  private nextChurn: number;
  private step = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly worker: Target["workers"][number];

  constructor(
    private readonly account: User,
    private readonly target: Target,
    index: number,
    private readonly churnEveryMs: number,
    /** Signing keys seen in the tokens it was given (their `kid`). */
    private readonly keys: Set<string>,
  ) {
    this.cookie = account.cookie;
    this.worker = target.workers[index % target.workers.length]!;
    this.nextChurn = this.lastSignIn + churnEveryMs * (0.5 + Math.random());
  }

  get isSignedIn(): boolean {
    return this.signedIn;
  }

  /** One request, or a wait when it must not sign in yet; false when a server failed to answer properly (the caller backs off). */
  async next(record: Recorder): Promise<boolean> {
    const now = performance.now();
    if (!this.signedIn) {
      const wait = this.lastSignIn + SIGN_IN_SPACING_MS - now;
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1_000)));
        return true;
      }
      return this.signIn(record);
    }
    if (now >= this.nextChurn && now - this.lastSignIn >= SIGN_IN_SPACING_MS) {
      this.nextChurn = now + this.churnEveryMs * (0.5 + Math.random());
      return this.signOut(record, ENDPOINT.signOut);
    }
    switch (this.step++ % 3) {
      case 0:
        return this.getPage(record);
      case 1:
        return this.callViaWeb(record);
      default:
        return this.callDirect(record);
    }
  }

  /** The session ends from elsewhere (another tab signs out): this user finds out from its next refused request. */
  signOutElsewhere(record: Recorder): Promise<boolean> {
    return this.signOut(record, ENDPOINT.signOutFault, false);
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(extra: Headers = {}): Headers {
    return { cookie: this.cookie, "x-forwarded-for": this.account.ip!, ...extra };
  }

  private async getPage(record: Recorder): Promise<boolean> {
    const outcome = await this.timedGet(record, ENDPOINT.page, `${this.target.webUrl}/dashboard`, this.headers());
    // Signed out: the page sends the browser to /sign-in.
    if (outcome === 307) this.signedIn = false;
    return healthy(outcome);
  }

  private async callViaWeb(record: Recorder): Promise<boolean> {
    const outcome = await this.timedGet(record, ENDPOINT.viaWeb, `${this.target.webUrl}/api/trpc/worker.whoami`, this.headers());
    if (outcome === 401) this.signedIn = false;
    return healthy(outcome);
  }

  private async callDirect(record: Recorder): Promise<boolean> {
    if (!this.token) {
      const begin = performance.now();
      const minted = await exchange(this.target.webUrl, this.cookie).catch((error: unknown) => ({ status: noAnswer(error), token: undefined }));
      record(ENDPOINT.exchange, minted.status, performance.now() - begin);
      if (minted.status === 401) this.signedIn = false;
      if (!minted.token) return healthy(minted.status);
      this.token = minted.token;
      this.keys.add(kidOf(minted.token));
    }
    const headers = { authorization: `Bearer ${this.token}`, "x-request-id": `load-${this.account.userId}` };
    const outcome = await this.timedGet(record, ENDPOINT.direct(this.worker.service.spec.name), `${this.worker.url}/trpc/whoami`, headers, (body) => {
      // Revoked: the session is gone, so is any token of it.
      if (refusalOf(body) === "revoked") this.signedIn = false;
    });
    if (outcome === 401) this.token = undefined;
    return healthy(outcome);
  }

  private async signIn(record: Recorder): Promise<boolean> {
    this.lastSignIn = performance.now();
    const begin = performance.now();
    try {
      const res = await signIn(this.target.webUrl, this.account.email, this.account.password, this.account.ip);
      await res.arrayBuffer();
      record(ENDPOINT.signIn, res.status, performance.now() - begin);
      if (!res.ok) return healthy(res.status);
      this.cookie = cookieOf(res);
      this.token = undefined;
      this.signedIn = true;
      return true;
    } catch (error) {
      record(ENDPOINT.signIn, noAnswer(error), performance.now() - begin);
      return false;
    }
  }

  /** Signs this session out; `knows`: the user did it itself, so it knows at once. */
  private async signOut(record: Recorder, endpoint: string, knows = true): Promise<boolean> {
    const begin = performance.now();
    try {
      const res = await postFromPage(this.target.webUrl, "/api/auth/sign-out", {}, this.headers());
      await res.arrayBuffer();
      record(endpoint, res.status, performance.now() - begin);
      if (knows) {
        this.signedIn = false;
        this.token = undefined;
      }
      return healthy(res.status);
    } catch (error) {
      record(endpoint, noAnswer(error), performance.now() - begin);
      return false;
    }
  }

  private async timedGet(record: Recorder, endpoint: string, url: string, headers: Headers, inspect?: (body: Buffer) => void): Promise<Outcome> {
    const begin = performance.now();
    let outcome: Outcome;
    try {
      const answer = await get(url, headers, this.agent);
      outcome = answer.status;
      inspect?.(answer.body);
    } catch (error) {
      outcome = noAnswer(error);
    }
    record(endpoint, outcome, performance.now() - begin);
    return outcome;
  }
}

/** Whether the servers answered as servers should: not a 5xx, not silence. */
function healthy(outcome: Outcome): boolean {
  return typeof outcome === "number" && outcome < 500;
}
