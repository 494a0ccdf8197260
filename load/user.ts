/**
 * One simulated user, as the dashboard's browser tab behaves: it loads the
 * page, calls the worker through the web tier, and calls a worker directly
 * with a token from the exchange (kept in memory and reused until a worker
 * refuses it). Now and then it signs out and in again; when it finds itself
 * signed out (a 401, or the page sending it to /sign-in) it signs in again.
 * Each call to next() makes one request.
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import { cookieOf, exchange, postFromPage, signIn, type Headers, type User } from "../tooling/app-client";
import { get, kidOf, refusalOf, type Answer } from "../bench/client";
import type { Stack } from "../bench/stack";
import { noAnswer, REFUSED, type Outcome } from "./tally";

/** What the load runs against: bench/stack.ts's Stack, or the e2e suite's. */
export type Target = Pick<Stack, "webUrl" | "web" | "workers">;

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
    /** A GET without a complete answer by then is a client timeout. */
    private readonly timeoutMs = 10_000,
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
        await sleep(Math.min(wait, 1_000));
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

  private headers(): Headers {
    return { cookie: this.cookie, "x-forwarded-for": this.account.ip! };
  }

  private async getPage(record: Recorder): Promise<boolean> {
    const outcome = await this.timedGet(record, ENDPOINT.page, `${this.target.webUrl}/dashboard`, this.headers());
    // Signed out: the page sends the browser to /sign-in.
    if (outcome === 307) this.signedIn = false;
    return healthy(outcome);
  }

  private async callViaWeb(record: Recorder): Promise<boolean> {
    const outcome = await this.timedGet(
      record,
      ENDPOINT.viaWeb,
      `${this.target.webUrl}/api/trpc/worker.whoami`,
      this.headers(),
    );
    if (outcome === 401) this.signedIn = false;
    return healthy(outcome);
  }

  private async callDirect(record: Recorder): Promise<boolean> {
    if (!this.token) {
      const { outcome, answer } = await this.timed(record, ENDPOINT.exchange, () =>
        exchange(this.target.webUrl, this.cookie),
      );
      if (outcome === 401) this.signedIn = false;
      if (!answer?.token) return healthy(outcome);
      this.token = answer.token;
      this.keys.add(kidOf(answer.token));
    }
    const headers = { authorization: `Bearer ${this.token}`, "x-request-id": `load-${this.account.userId}` };
    const outcome = await this.timedGet(
      record,
      ENDPOINT.direct(this.worker.service.spec.name),
      `${this.worker.url}/trpc/whoami`,
      headers,
      (body) => {
        // Revoked: the session is gone, so is any token of it.
        if (refusalOf(body) === "revoked") this.signedIn = false;
      },
    );
    if (outcome === 401) this.token = undefined;
    return healthy(outcome);
  }

  private async signIn(record: Recorder): Promise<boolean> {
    this.lastSignIn = performance.now();
    const { outcome, answer } = await this.timed(record, ENDPOINT.signIn, async () => {
      const res = await signIn(this.target.webUrl, this.account.email, this.account.password, this.account.ip);
      await res.arrayBuffer();
      return res;
    });
    if (!answer?.ok) return healthy(outcome);
    this.cookie = cookieOf(answer);
    this.token = undefined;
    this.signedIn = true;
    return true;
  }

  /** Signs this session out; `knows`: the user did it itself, so it knows at once. */
  private async signOut(record: Recorder, endpoint: string, knows = true): Promise<boolean> {
    const { outcome, answer } = await this.timed(record, endpoint, async () => {
      const res = await postFromPage(this.target.webUrl, "/api/auth/sign-out", {}, this.headers());
      await res.arrayBuffer();
      return res;
    });
    // Only when the server answered, whatever its status.
    if (answer && knows) {
      this.signedIn = false;
      this.token = undefined;
    }
    return healthy(outcome);
  }

  private async timedGet(
    record: Recorder,
    endpoint: string,
    url: string,
    headers: Headers,
    inspect?: (body: Buffer) => void,
  ): Promise<Outcome> {
    const { outcome } = await this.timed(record, endpoint, async () => {
      const answer = await get(url, headers, this.agent, this.timeoutMs);
      inspect?.(answer.body);
      return answer;
    });
    return outcome;
  }

  /** Times `send` and records its status, or why there was no answer (whatever it threw); hands back both. */
  private async timed<T extends { status: number; headers?: Answer["headers"] | Response["headers"] }>(
    record: Recorder,
    endpoint: string,
    send: () => Promise<T>,
  ): Promise<{ outcome: Outcome; answer?: T }> {
    const begin = performance.now();
    let outcome: Outcome;
    let answer: T | undefined;
    try {
      answer = await send();
      outcome =
        answer.status === 503 && answer.headers && retryAfterOf(answer.headers) !== undefined ? REFUSED : answer.status;
    } catch (error) {
      outcome = noAnswer(error);
    }
    record(endpoint, outcome, performance.now() - begin);
    return { outcome, answer };
  }
}

/** Whether the servers answered as servers should: not a 5xx, not silence (a refusal with Retry-After backs off too). */
function healthy(outcome: Outcome): boolean {
  return typeof outcome === "number" && outcome < 500;
}

function retryAfterOf(headers: Answer["headers"] | Response["headers"]): string | undefined {
  const value = headers instanceof Headers ? headers.get("retry-after") : headers["retry-after"];
  return value ?? undefined;
}
