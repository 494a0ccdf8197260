/**
 * Which answers a load run may get besides 200, given the faults it
 * injects; any other is a defect the run reports (and exits 1 for). Above
 * all a 500, or the web tier not answering: a worker that is down must
 * reach callers as a typed 503.
 */
import type { Fault } from "./options";
import { isSuccess, REFUSED, type Tally, type Outcome } from "./tally";
import { ENDPOINT } from "./user";

export function isExpected(endpoint: string, outcome: Outcome, faults: Fault[]): boolean {
  if (isSuccess(outcome)) return true;
  const direct = endpoint.endsWith(ENDPOINT.direct(""));
  // The web tier, too busy, says so at once and when to come back: a refusal
  // (counted, printed), not a failure. A worker's 503 is not: it fails a call
  // that a busy web tier should not have cost it (issue 21).
  if (outcome === REFUSED && !direct) return true;
  if (faults.includes("sign-out")) {
    // The user finds its session gone: the page sends it to /sign-in, the API and the workers answer 401.
    if (endpoint === ENDPOINT.page && outcome === 307) return true;
    if ((endpoint === ENDPOINT.viaWeb || endpoint === ENDPOINT.exchange || direct) && outcome === 401) return true;
  }
  if (faults.includes("kill-worker")) {
    if (endpoint === ENDPOINT.viaWeb && outcome === 503) return true;
    // Straight to a worker that is down: nothing listens; once it listens again, 503 until it holds the keys.
    if (
      direct &&
      (outcome === 503 ||
        outcome === REFUSED ||
        (typeof outcome === "string" && /ECONNREFUSED|ECONNRESET|socket hang up/.test(outcome)))
    )
      return true;
  }
  return false;
}

/** How many requests the web tier refused with 503 + Retry-After. */
export function refusals(tallies: Tally[]): number {
  let count = 0;
  for (const tally of tallies) {
    for (const { outcomes } of tally.endpoints.values()) count += outcomes.get(REFUSED) ?? 0;
  }
  return count;
}

/** "endpoint: outcome × n" for every answer no fault explains. */
export function unexpectedOutcomes(tallies: Tally[], faults: Fault[]): string[] {
  const found = new Map<string, number>();
  for (const tally of tallies) {
    for (const [endpoint, { outcomes }] of tally.endpoints) {
      for (const [outcome, n] of outcomes) {
        if (isExpected(endpoint, outcome, faults)) continue;
        const key = `${endpoint}: ${outcome}`;
        found.set(key, (found.get(key) ?? 0) + n);
      }
    }
  }
  return [...found].map(([key, n]) => `${key} × ${n.toLocaleString("en")}`);
}
