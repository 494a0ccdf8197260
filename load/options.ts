/**
 * What `npm run load` is asked to do: its command line, checked, with the
 * defaults filled in.
 */
import { parseArgs } from "node:util";

const FAULTS = ["kill-worker", "rotate-keys", "sign-out"] as const;
export type Fault = (typeof FAULTS)[number];

export interface LoadOptions {
  users: number;
  /** Measured seconds, after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Requests per second over all users; undefined: each user as fast as it can. */
  rate?: number;
  workers: number;
  faults: Fault[];
  /** Seconds between two faults of each kind (and the key rotation interval). */
  faultEverySeconds: number;
  /** Each user signs out and in again about this often. */
  churnEverySeconds: number;
  /** Seconds between two memory samples. */
  sampleEverySeconds: number;
  /** A PostgreSQL server to make the run's fresh database on; undefined: see bench/stack.ts database(). */
  postgres?: string;
  /** The flat-memory check: heap after GC may grow at most maxGrowthPercent after the warm-up. */
  soak: boolean;
  maxGrowthPercent: number;
  /** Every user starts in the same second (a cold burst), instead of joining over half the warm-up. */
  burst: boolean;
  /**
   * The overload check (--overload): a burst, keys rotating, churn; a 503
   * with Retry-After from the web tier is a refusal (counted), anything
   * slower than requestTimeoutSeconds a failure.
   */
  overload: boolean;
  /** A request without a complete answer by then counts as a client timeout. */
  requestTimeoutSeconds: number;
}

export const USAGE = `npm run load -- [options]

  --users N            simulated users, each signed up first (default 200)
  --seconds N          measured seconds after the warm-up (default 60; 600 with --soak)
  --warmup N           seconds of the same load before measuring (default 10; 60 with --soak)
  --rate N             requests per second over all users, held steady (default: as fast as
                       each user can; 50 with --soak)
  --workers N          worker processes (default 1); users spread their direct calls over them
  --faults LIST        any of ${FAULTS.join(",")}
  --fault-every N      seconds between faults of each kind, and the key rotation interval (default 20)
  --churn-every N      each user signs out and in again about every N seconds (default 300)
  --sample-every N     seconds between memory samples (default: about 20 samples per run)
  --soak               the flat-memory check: exit 1 when a process's heap after GC grows
                       by more than --max-growth % from the start to the end of the measured time
  --max-growth N       percent (default 10)
  --postgres URL       make the run's fresh database on this PostgreSQL server (e.g.
                       postgresql://postgres@127.0.0.1:5432/postgres) and drop it at the end;
                       else DATABASE_URL as it is, else a throwaway embedded PostgreSQL
  --burst              every user starts in the same second, on a cold stack (default: they join
                       over the first half of the warm-up)
  --overload           the overload check: --burst, --faults rotate-keys,sign-out every 10 s
                       (unless given), churn every 30 s, a 5 s client timeout; exit 1 on a timeout,
                       a 5xx or a 503 no fault explains; a web tier's 503 with Retry-After is a
                       refusal, counted and printed
  --no-build           reuse the last build
  -h, --help           this text`;

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseLoadArgs(argv: string[]): LoadOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        users: { type: "string" },
        seconds: { type: "string" },
        warmup: { type: "string" },
        rate: { type: "string" },
        workers: { type: "string" },
        faults: { type: "string" },
        "fault-every": { type: "string" },
        "churn-every": { type: "string" },
        "sample-every": { type: "string" },
        soak: { type: "boolean", default: false },
        "max-growth": { type: "string" },
        burst: { type: "boolean", default: false },
        overload: { type: "boolean", default: false },
        postgres: { type: "string" },
        // Read by bench/stack.ts's build().
        "no-build": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.help) return "help";

  const soak = parsed.soak;
  const overload = parsed.overload;
  if (soak && overload) throw new UsageError("--soak and --overload are separate runs: give one of them");
  const seconds = number("seconds", parsed.seconds, soak ? 600 : 60);
  const faults = (parsed.faults ?? (overload ? "rotate-keys,sign-out" : ""))
    .split(",")
    .map((fault) => fault.trim())
    .filter(Boolean);
  for (const fault of faults) {
    if (!(FAULTS as readonly string[]).includes(fault))
      throw new UsageError(`--faults: unknown fault "${fault}" (known: ${FAULTS.join(", ")})`);
  }
  // A restarted process starts its heap again: its growth would say nothing.
  if (soak && faults.includes("kill-worker"))
    throw new UsageError(
      "--soak compares each process's heap over the run: it cannot be combined with --faults kill-worker",
    );
  const rate = parsed.rate === undefined ? (soak ? 50 : undefined) : number("rate", parsed.rate, 0);
  const warmupSeconds = number("warmup", parsed.warmup, soak ? 60 : 10, 0);
  return {
    users: number("users", parsed.users, 200),
    seconds,
    warmupSeconds,
    rate,
    workers: number("workers", parsed.workers, 1),
    faults: [...new Set(faults as Fault[])],
    faultEverySeconds: number("fault-every", parsed["fault-every"], overload ? 10 : 20),
    churnEverySeconds: number("churn-every", parsed["churn-every"], overload ? 30 : 300),
    sampleEverySeconds: number(
      "sample-every",
      parsed["sample-every"],
      Math.max(2, Math.round((warmupSeconds + seconds) / 20)),
    ),
    soak,
    maxGrowthPercent: number("max-growth", parsed["max-growth"], 10),
    postgres: parsed.postgres,
    burst: parsed.burst || overload,
    overload,
    // The issue 21 rule: under a burst every request is answered or refused within 5 s.
    requestTimeoutSeconds: overload ? 5 : 10,
  };
}

/** A positive number (or ≥ `min`) from option `name`, else `fallback`. */
function number(name: string, value: string | undefined, fallback: number, min = Number.MIN_VALUE): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min)
    throw new UsageError(`--${name}: "${value}" is not a ${min === 0 ? "number ≥ 0" : "positive number"}`);
  return parsed;
}
