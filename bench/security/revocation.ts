/**
 * (1) How long a signed-out session's worker token keeps working, as someone
 * holding a copy of it sees it: a client calls every worker straight with
 * the token, as fast as they answer, while the user signs out over HTTP.
 */
import http from "node:http";

import { errorMessage } from "~/contract/error-message";
import { percentiles } from "../../tooling/percentiles";
import { newClientIp, signOut, signUp, workerToken } from "../../tooling/app-client";
import { get, refusalOf } from "../client";
import type { Stack } from "../stack";

export const REVOCATION = {
  trials: 20,
  /** A worker still answering 200 this long after the sign-out has not revoked. */
  giveUpMs: 5_000,
  /** This many trials in a row without a revocation: the feature is not there, stop spending time on it. */
  giveUpAfterTrials: 3,
};

export interface RevocationResult {
  trials: number;
  /** One per trial and worker that refused: ms from sign-out's answer to the worker's 401 "revoked". */
  latencies: number[];
  p50: number;
  p99: number;
  /** Everything else the watchers ended on ("503 …", "still 200 5 s after sign-out"), counted. */
  failures: Map<string, number>;
  /** whoami calls made while watching. */
  calls: number;
  stoppedEarly?: string;
}

type Watched = { latency: number; calls: number } | { failure: string; calls: number };

export async function measureRevocation(stack: Stack): Promise<RevocationResult> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let calls = 0;
  let trials = 0;
  let fruitless = 0;
  let stoppedEarly: string | undefined;

  while (trials < REVOCATION.trials) {
    trials++;
    const results = await trial(stack, trials);
    let revoked = false;
    for (const result of results) {
      calls += result.calls;
      if ("latency" in result) {
        latencies.push(result.latency);
        revoked = true;
      } else failures.set(result.failure, (failures.get(result.failure) ?? 0) + 1);
    }
    fruitless = revoked ? 0 : fruitless + 1;
    if (fruitless === REVOCATION.giveUpAfterTrials) {
      stoppedEarly = `stopped after ${trials} trials: the last ${fruitless} revoked nothing`;
      break;
    }
  }
  return { trials, latencies, ...percentiles(latencies), failures, calls, stoppedEarly };
}

/** One user signs up, takes a token, signs out; every worker is watched throughout. */
async function trial(stack: Stack, index: number): Promise<Watched[]> {
  // An address of its own per user: sign-ups from one address are rate limited.
  const user = await signUp(stack.webUrl, `revoke-${index}`, newClientIp());
  const headers = { authorization: `Bearer ${await workerToken(stack.webUrl, user.cookie)}` };

  // Read by the watchers as the sign-out goes.
  const signOutState: { sent: boolean; answeredAt?: number; giveUpAt: number } = { sent: false, giveUpAt: Infinity };
  const firstAnswers: Promise<void>[] = [];

  const watch = async (workerUrl: string, answered: () => void): Promise<Watched> => {
    // One connection per worker, kept alive: a new one per call would
    // measure connection set-up, not the worker.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let calls = 0;
    try {
      for (;;) {
        let status: number;
        let reason: string | undefined;
        try {
          const answer = await get(`${workerUrl}/trpc/whoami`, headers, agent);
          ({ status } = answer);
          reason = status === 200 ? undefined : refusalOf(answer.body);
        } catch (error) {
          return { failure: `no answer: ${errorMessage(error)}`, calls };
        } finally {
          calls++;
          answered();
        }
        const at = performance.now();
        if (status === 401 && reason === "revoked") {
          const { sent, answeredAt } = signOutState;
          if (!sent) return { failure: "401 revoked before the sign-out", calls };
          // Refused while the sign-out was still on its way back: no later than its answer.
          return { latency: answeredAt === undefined ? 0 : Math.max(0, at - answeredAt), calls };
        }
        if (status !== 200) return { failure: `${status} ${reason ?? ""}`.trim(), calls };
        if (at > signOutState.giveUpAt)
          return { failure: `still 200 ${REVOCATION.giveUpMs / 1000} s after sign-out`, calls };
      }
    } finally {
      agent.destroy();
    }
  };

  const watching = stack.workers.map(({ url }) => {
    let answered!: () => void;
    firstAnswers.push(new Promise<void>((resolve) => (answered = resolve)));
    return watch(url, answered);
  });
  // Every worker has taken the token (the session is live in its memory)
  // before the session ends.
  await Promise.all(firstAnswers);
  signOutState.sent = true;
  await signOut(stack.webUrl, user);
  signOutState.answeredAt = performance.now();
  signOutState.giveUpAt = signOutState.answeredAt + REVOCATION.giveUpMs;
  return Promise.all(watching);
}
