/**
 * What can go wrong during a load run, on purpose, every --fault-every
 * seconds:
 * - kill-worker: a worker is SIGKILLed (no in-flight request finished) and,
 *   1 s later, as `npm start` does, started again; meanwhile the web tier's
 *   calls to it must fail as typed 503s, never 500;
 * - rotate-keys: the web tier makes a new signing key at that interval
 *   (JWT_ROTATION_INTERVAL), and tokens under it reach workers that have not
 *   seen it yet;
 * - sign-out: a tenth of the users are signed out from elsewhere; they find
 *   out from their next refused request and sign in again.
 */
import { setTimeout as sleep } from "node:timers/promises";

import type { Fault, LoadOptions } from "./options";
import type { Recorder, SimulatedUser, Target } from "./user";

export interface FaultEvent {
  /** Milliseconds since the load began. */
  at: number;
  fault: Fault;
  what: string;
}

/** Mirrors what `npm start` waits before it starts a process that died. */
const RESTART_DELAY_MS = 1_000;

/** The web tier's environment for `faults`. */
export function faultWebEnv(options: Pick<LoadOptions, "faults" | "faultEverySeconds">): Record<string, string> {
  if (!options.faults.includes("rotate-keys")) return {};
  // Retired keys leave the key set a minute later, during the run too.
  return { JWT_ROTATION_INTERVAL: String(Math.max(1, Math.round(options.faultEverySeconds))), JWT_GRACE_PERIOD: "60" };
}

export class FaultInjector {
  readonly events: FaultEvent[] = [];
  private stopping = false;
  private readonly wake = new AbortController();
  private running: Promise<unknown> = Promise.resolve();
  private kills = 0;

  constructor(
    private readonly target: Target,
    private readonly users: SimulatedUser[],
    private readonly options: LoadOptions,
    private readonly record: Recorder,
    private readonly began: number,
  ) {}

  start(): void {
    const loops: Promise<void>[] = [];
    if (this.options.faults.includes("kill-worker")) loops.push(this.every(() => this.killWorker()));
    if (this.options.faults.includes("sign-out")) loops.push(this.every(() => this.signOutSome()));
    this.running = Promise.all(loops);
  }

  /** Waits for the fault in progress (a worker coming back up) to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.running;
  }

  private async every(fault: () => Promise<void>): Promise<void> {
    while (!this.stopping) {
      await sleep(this.options.faultEverySeconds * 1000, undefined, { signal: this.wake.signal }).catch(
        () => undefined,
      );
      if (this.stopping) return;
      await fault();
    }
  }

  private async killWorker(): Promise<void> {
    const { service } = this.target.workers[this.kills++ % this.target.workers.length]!;
    const at = performance.now();
    await service.kill();
    await sleep(RESTART_DELAY_MS);
    await service.start();
    this.note(
      "kill-worker",
      at,
      `${service.spec.name} SIGKILLed, answering again ${((performance.now() - at) / 1000).toFixed(1)} s later (pid ${service.pid})`,
    );
  }

  private async signOutSome(): Promise<void> {
    const at = performance.now();
    const signedIn = this.users.filter((user) => user.isSignedIn);
    const chosen = signedIn.sort(() => Math.random() - 0.5).slice(0, Math.max(1, Math.round(this.users.length / 10)));
    await Promise.all(chosen.map((user) => user.signOutElsewhere(this.record)));
    this.note("sign-out", at, `${chosen.length} users signed out from elsewhere`);
  }

  private note(fault: Fault, at: number, what: string): void {
    this.events.push({ at: at - this.began, fault, what });
    console.log(`  [${((at - this.began) / 1000).toFixed(0)} s] ${what}`);
  }
}
