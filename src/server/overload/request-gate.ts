/**
 * At most `maxInFlight` requests handled at once; the next ones wait in
 * arrival order, each at most `maxWaitMs`, and a request that has waited
 * that long (or finds `maxQueued` already waiting) is refused at once. A
 * cold burst then costs a caller a quick 503 with Retry-After instead of a
 * render that finishes long after the caller gave up: everything admitted
 * shares the CPU with fewer others, and so finishes in time.
 */
export interface RequestGateOptions {
  maxInFlight: number;
  maxWaitMs: number;
  maxQueued: number;
}

/** A request's pass: call it once the request is done (answered or abandoned). */
export type Release = () => void;

export interface RequestGate {
  /** A pass once a slot is free, or null when the request is refused. */
  admit(): Promise<Release | null>;
  /** Handled now, waiting now: for a log line or a test. */
  load(): { inFlight: number; queued: number };
}

interface Waiter {
  grant: (release: Release | null) => void;
  timer: NodeJS.Timeout;
}

export function createRequestGate({ maxInFlight, maxWaitMs, maxQueued }: RequestGateOptions): RequestGate {
  let inFlight = 0;
  const queue: Waiter[] = [];

  const pass = (): Release => {
    inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      const next = queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant(pass());
      }
    };
  };

  return {
    admit() {
      if (inFlight < maxInFlight && queue.length === 0) return Promise.resolve(pass());
      if (queue.length >= maxQueued) return Promise.resolve(null);
      return new Promise((grant) => {
        const waiter: Waiter = {
          grant,
          timer: setTimeout(() => {
            queue.splice(queue.indexOf(waiter), 1);
            grant(null);
          }, maxWaitMs),
        };
        queue.push(waiter);
      });
    },
    load: () => ({ inFlight, queued: queue.length }),
  };
}
