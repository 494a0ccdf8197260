/**
 * fetch that waits out a 503 with Retry-After and sends the request again,
 * as the upload zone does with the worker's "busy" (src/worker-client/
 * upload-document.ts): the web tier answers so when it is too busy to serve
 * a request in time, or while its database is down, and in both cases
 * asking again a little later is the remedy. A 503 without Retry-After, or
 * one still coming after `patienceMs` of waits, is handed to the caller.
 * Every request the browser sends the web tier (tRPC, Better Auth's client)
 * goes through this, so a burst's refusals cost a wait, not an error.
 */
export interface RetryAfterOptions {
  /** How long all the waits of one request may add up to. */
  patienceMs?: number;
  /** The longest single wait, whatever Retry-After says. */
  maxWaitMs?: number;
  /** Where to send requests; the global fetch by default (read at call time). */
  fetch?: typeof fetch;
  /** 0–1, spreads the retries of many tabs refused together; Math.random by default. */
  random?: () => number;
}

export function fetchWaitingOut503({
  patienceMs = 20_000,
  maxWaitMs = 10_000,
  fetch: send = (input, init) => fetch(input, init),
  random = Math.random,
}: RetryAfterOptions = {}): typeof fetch {
  return async (input, init) => {
    let waited = 0;
    for (;;) {
      // A Request's body can be read once: each attempt sends a copy.
      const response = await send(input instanceof Request ? input.clone() : input, init);
      const seconds = retryAfterSeconds(response);
      if (seconds === undefined) return response;
      // Half to one and a half times what was asked: tabs refused together come back apart.
      const wait = Math.min(seconds * 1000 * (0.5 + random()), maxWaitMs);
      if (waited + wait > patienceMs) return response;
      await response.body?.cancel();
      await sleep(wait, init?.signal ?? (input instanceof Request ? input.signal : undefined));
      waited += wait;
    }
  };
}

/** Retry-After of a 503, in seconds (the delay form; an HTTP date counts as 1 s); undefined otherwise. */
export function retryAfterSeconds(response: Response): number | undefined {
  if (response.status !== 503) return undefined;
  const header = response.headers.get("retry-after");
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 1;
}

function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
