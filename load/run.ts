/**
 * One load run against a running stack: sign the users up, run them for
 * the warm-up and then the measured time (steadily at --rate, or each as
 * fast as it can), inject the faults, and read each process's memory at
 * intervals. `npm run load` and the e2e memory test both run it.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { newClientIp, signUp, type User } from "../tooling/app-client";
import { unexpectedOutcomes } from "./expected";
import { FaultInjector, type FaultEvent } from "./faults";
import { MemoryProbe, type MemoryReading, type MemorySample } from "./memory";
import type { LoadOptions } from "./options";
import { memoryOf, printReport } from "./report";
import { heapGrowth, type Growth } from "./soak";
import { Tally } from "./tally";
import { SimulatedUser, type Recorder, type Target } from "./user";

export interface LoadRun {
  options: LoadOptions;
  signUpMs: number;
  warmup: Tally;
  measured: Tally;
  measuredMs: number;
  samples: MemorySample[];
  faults: FaultEvent[];
  /** Signing keys seen in the users' tokens. */
  keys: Set<string>;
}

/** Sign-ups at a time: each costs the web tier a password hash. */
const SIGN_UP_CONCURRENCY = 4;
/** After a failed request, a user waits this long before the next, as the dashboard's retries do. */
const BACKOFF_MS = 200;
/** After the load, before the idle reading: for sockets to close and timers to fire. */
const IDLE_SETTLE_MS = 3_000;

interface LoadState {
  /** Users waiting on an answer now. */
  inFlight: number;
  tallies: Tally[];
}

/** runLoad, then its heap growth and the answers no fault explains, printed as printReport does. */
export async function runAndReport(
  target: Target,
  options: LoadOptions,
): Promise<{ run: LoadRun; growth: Growth[]; unexpected: string[] }> {
  const run = await runLoad(target, options);
  const growth = heapGrowth(run.samples, options.maxGrowthPercent);
  const unexpected = unexpectedOutcomes([run.warmup, run.measured], options.faults);
  printReport(run, growth, unexpected);
  return { run, growth, unexpected };
}

export async function runLoad(target: Target, options: LoadOptions): Promise<LoadRun> {
  const probe = new MemoryProbe([target.web, ...target.workers.map((worker) => worker.service)]);
  try {
    console.log(`Signing up ${options.users} users, each from an X-Forwarded-For of its own…`);
    const signUpBegin = performance.now();
    const accounts = await signUpAll(target.webUrl, options.users);
    const signUpMs = performance.now() - signUpBegin;
    console.log(`Signed up in ${(signUpMs / 1000).toFixed(1)} s`);

    const keys = new Set<string>();
    const users = accounts.map(
      (account, index) =>
        new SimulatedUser(
          account,
          target,
          index,
          options.churnEverySeconds * 1000,
          keys,
          options.requestTimeoutSeconds * 1000,
        ),
    );
    const warmup = new Tally();
    const measured = new Tally();
    const began = performance.now();
    const measuredFrom = began + options.warmupSeconds * 1000;
    const endAt = measuredFrom + options.seconds * 1000;
    const record: Recorder = (endpoint, outcome, ms) =>
      (performance.now() < measuredFrom ? warmup : measured).record(endpoint, outcome, ms);
    const faults = new FaultInjector(target, users, options, record, began);

    console.log(
      `Load: ${options.users} users ${options.burst ? "all starting at once" : "joining over half the warm-up"}, ${options.rate === undefined ? "each as fast as it can" : `${options.rate} requests/s in all`}, ` +
        `${options.warmupSeconds} s warm-up then ${options.seconds} s measured; faults: ${options.faults.join(", ") || "none"}; memory every ${options.sampleEverySeconds} s`,
    );
    const samples: MemorySample[] = [];
    const load: LoadState = { inFlight: 0, tallies: [warmup, measured] };
    const sampling = sampleMemory(probe, samples, load, {
      began,
      measuredFrom,
      endAt,
      everyMs: options.sampleEverySeconds * 1000,
    });
    faults.start();
    // Users join one after another over the first half of the warm-up: 200 users at once on a
    // cold web tier (code still loading, nothing compiled) keep it from answering for seconds.
    // --burst asks for exactly that: every user's first request in the same moment.
    const rampMs = options.burst ? 0 : (options.warmupSeconds * 1000) / 2;
    await Promise.all(
      users.map((user, index) => drive(user, record, load, options, began + (rampMs * index) / users.length, endAt)),
    );
    await faults.stop();
    await sampling;
    for (const user of users) user.close();
    // What stays once nothing is in flight: set against the measured samples, it tells requests in progress from memory kept.
    await sleep(IDLE_SETTLE_MS);
    samples.push(await sample(probe, load, performance.now() - began, "idle after"));
    return {
      options,
      signUpMs,
      warmup,
      measured,
      measuredMs: endAt - measuredFrom,
      samples,
      faults: faults.events,
      keys,
    };
  } finally {
    await probe.close();
  }
}

async function signUpAll(webUrl: string, count: number): Promise<User[]> {
  const accounts: User[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = ++next;
      accounts.push(await signUp(webUrl, `load-${n}`, newClientIp()));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SIGN_UP_CONCURRENCY, count) }, lane));
  return accounts;
}

/** One user's requests from `startAt` until `endAt`: at its share of the rate, or back to back. */
async function drive(
  user: SimulatedUser,
  record: Recorder,
  load: LoadState,
  options: LoadOptions,
  startAt: number,
  endAt: number,
): Promise<void> {
  const wait = startAt - performance.now();
  if (wait > 0) await sleep(wait);
  const next = async () => {
    load.inFlight++;
    try {
      return await user.next(record);
    } finally {
      load.inFlight--;
    }
  };
  if (options.rate === undefined) {
    while (performance.now() < endAt) {
      if (!(await next())) await sleep(BACKOFF_MS);
    }
    return;
  }
  const intervalMs = (options.users / options.rate) * 1000;
  // Spread over one interval, so that users that joined together do not fire together.
  let due = startAt + Math.random() * intervalMs;
  for (;;) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (performance.now() >= endAt) return;
    await next();
    // Late (a slow answer): carry on from now rather than catch up in a burst.
    due = Math.max(due + intervalMs, performance.now());
  }
}

/** A sample at the start and every `everyMs` until `endAt`. */
async function sampleMemory(
  probe: MemoryProbe,
  samples: MemorySample[],
  load: LoadState,
  { began, measuredFrom, endAt, everyMs }: { began: number; measuredFrom: number; endAt: number; everyMs: number },
): Promise<void> {
  for (let due = began; due <= endAt; due += everyMs) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    samples.push(await sample(probe, load, performance.now() - began, due >= measuredFrom ? "measured" : "warm-up"));
  }
}

/** One sample, printed as a progress line. */
async function sample(
  probe: MemoryProbe,
  load: LoadState,
  at: number,
  phase: MemorySample["phase"],
): Promise<MemorySample> {
  const inFlight = load.inFlight;
  const readings = await probe.read();
  const requests = load.tallies.reduce((sum, tally) => sum + tally.requests, 0);
  console.log(
    `  [${(at / 1000).toFixed(0).padStart(4)} s] ${requests.toLocaleString("en")} requests, ${inFlight} in flight  ${readings.map(describe).join("  ·  ")}`,
  );
  return { at, phase, inFlight, readings };
}

function describe(reading: MemoryReading): string {
  const { heap, rss } = memoryOf(reading);
  return `${reading.process} heap ${heap}, rss ${rss}`;
}
