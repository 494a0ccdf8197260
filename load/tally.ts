/**
 * What the simulated users saw, per endpoint: how many answers of each
 * status (or no answer, and why), and how long the successful ones took.
 */
/** An HTTP status, or "no answer (ECONNREFUSED)" and the like, or a 503 that said when to come back. */
export type Outcome = number | `no answer (${string})` | typeof REFUSED;

/** A 503 with Retry-After: a server too busy that says so at once, as issue 21 asks of an overloaded web tier. */
export const REFUSED = "503 + Retry-After";

interface EndpointTally {
  requests: number;
  outcomes: Map<Outcome, number>;
  /** Milliseconds, of 2xx answers. */
  latencies: number[];
}

export class Tally {
  readonly endpoints = new Map<string, EndpointTally>();

  record(endpoint: string, outcome: Outcome, ms: number): void {
    let tally = this.endpoints.get(endpoint);
    if (!tally) this.endpoints.set(endpoint, (tally = { requests: 0, outcomes: new Map(), latencies: [] }));
    tally.requests++;
    tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
    if (isSuccess(outcome)) tally.latencies.push(ms);
  }

  get requests(): number {
    return [...this.endpoints.values()].reduce((sum, tally) => sum + tally.requests, 0);
  }
}

/** A 2xx answer. */
export function isSuccess(outcome: Outcome): boolean {
  return typeof outcome === "number" && outcome >= 200 && outcome < 300;
}

/** The outcome of a request that got no answer: the error's code when it has one. */
export function noAnswer(error: unknown): Outcome {
  const code = (error as { code?: unknown }).code;
  return `no answer (${typeof code === "string" ? code : error instanceof Error ? error.message.slice(0, 40) : "unknown"})`;
}
