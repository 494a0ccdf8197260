/**
 * (3) What one unauthenticated request can cost a worker. A GET batching
 * 16,000 `whoami` calls under a forged token once cost a worker 3.5 s of
 * CPU, 16,000 log lines and a 2.9 MB answer. Measured from outside, as an
 * operator would see it: the worker's CPU time in /proc, its log file, the
 * answer's bytes, and how long an honest caller waits meanwhile.
 */
import http from "node:http";

import { MAX_BATCH_CALLS } from "~/contract/request-limits";
import type { ChildService } from "../../tooling/child-service";
import { percentiles } from "../../tooling/percentiles";
import { type Headers, newClientIp, signUp, workerToken } from "../../tooling/app-client";
import { get, refusalOf } from "../client";
import { processCpuSeconds } from "../cpu";
import type { Stack } from "../stack";

export const BATCH_ATTACK = {
  hugeBatch: 16_000,
  /** /proc counts in 10 ms ticks: enough requests that one costing 0.1 ms still moves the count. */
  repeats: 200,
  /** …but no longer than this, when each request is expensive. */
  maxMs: 10_000,
  /** The honest caller's calls, alone and then while `attackers` loops send the huge batch. */
  victimMs: 3_000,
  attackers: 2,
};

export interface RequestCost {
  calls: number;
  requests: number;
  /** The last answer's. */
  status: number;
  reason?: string;
  bytes: number;
  cpuMsPerRequest: number;
  logLinesPerRequest: number;
}

export interface Latency {
  calls: number;
  p50: number;
  p99: number;
  failed: number;
}

export interface BatchAttackResult {
  worker: string;
  huge: RequestCost;
  /** The worker's default WORKER_MAX_BATCH_CALLS, and the request with one call more. */
  maxAllowed: RequestCost;
  overLimit: RequestCost;
  alone: Latency;
  underAttack: Latency & { attackRequests: number };
}

export async function measureBatchAttack(stack: Stack): Promise<BatchAttackResult> {
  // The worker the web tier does not call: nothing but this measurement reaches it.
  const { url, service } = stack.workers.at(-1)!;
  const user = await signUp(stack.webUrl, "batch", newClientIp());
  const token = await workerToken(stack.webUrl, user.cookie);
  const forged = { authorization: `Bearer ${forge(token)}` };
  const batchUrl = (calls: number) => `${url}/trpc/${Array<string>(calls).fill("whoami").join(",")}?batch=1`;

  const huge = await costOf(batchUrl(BATCH_ATTACK.hugeBatch), forged, BATCH_ATTACK.hugeBatch, service);
  const maxAllowed = await costOf(batchUrl(MAX_BATCH_CALLS), forged, MAX_BATCH_CALLS, service);
  const overLimit = await costOf(batchUrl(MAX_BATCH_CALLS + 1), forged, MAX_BATCH_CALLS + 1, service, 1);

  const victim = { authorization: `Bearer ${token}` };
  const alone = await callFor(`${url}/trpc/whoami`, victim, BATCH_ATTACK.victimMs);
  let attacking = true;
  let attackRequests = 0;
  const attack = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (attacking) {
        await get(batchUrl(BATCH_ATTACK.hugeBatch), forged, agent, 60_000);
        attackRequests++;
      }
    } finally {
      agent.destroy();
    }
  };
  const attackers = Array.from({ length: BATCH_ATTACK.attackers }, attack);
  const underAttack = await callFor(`${url}/trpc/whoami`, victim, BATCH_ATTACK.victimMs).finally(
    () => (attacking = false),
  );
  await Promise.all(attackers);

  return {
    worker: service.spec.name,
    huge,
    maxAllowed,
    overLimit,
    alone,
    underAttack: { ...underAttack, attackRequests },
  };
}

/** A token the worker must refuse on its signature: one character of the signature changed. */
function forge(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  // Not the last character, whose low bits base64url may ignore.
  const at = Math.floor(signature.length / 2);
  const changed = signature[at] === "A" ? "B" : "A";
  return `${header}.${payload}.${signature.slice(0, at)}${changed}${signature.slice(at + 1)}`;
}

/** The same GET, one at a time, `repeats` times (or for `maxMs`): the worker's CPU and log lines per request. */
async function costOf(
  url: string,
  headers: Headers,
  calls: number,
  worker: ChildService,
  repeats = BATCH_ATTACK.repeats,
): Promise<RequestCost> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm: the first requests pay for code paths being compiled.
    await get(url, headers, agent, 60_000);
    const linesBefore = await lineCount(worker);
    const cpuBefore = processCpuSeconds(worker.pid);
    const deadline = performance.now() + BATCH_ATTACK.maxMs;
    let requests = 0;
    let last;
    do {
      last = await get(url, headers, agent, 60_000);
      requests++;
    } while (requests < repeats && performance.now() < deadline);
    const cpuAfter = processCpuSeconds(worker.pid);
    // The request log line is written as the answer closes; give it a moment to reach the file.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = (await lineCount(worker)) - linesBefore;
    return {
      calls,
      requests,
      status: last.status,
      reason: refusalOf(last.body),
      bytes: last.body.length,
      cpuMsPerRequest:
        cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : ((cpuAfter - cpuBefore) * 1000) / requests,
      logLinesPerRequest: lines / requests,
    };
  } finally {
    agent.destroy();
  }
}

async function lineCount(worker: ChildService): Promise<number> {
  const text = await worker.logs();
  let lines = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}

/** An honest caller: authed whoami, one at a time, for `forMs`. */
async function callFor(url: string, headers: Headers, forMs: number): Promise<Latency> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failed = 0;
  try {
    const deadline = performance.now() + forMs;
    while (performance.now() < deadline) {
      const begin = performance.now();
      const { status } = await get(url, headers, agent, 60_000).catch(() => ({ status: 0 }));
      latencies.push(performance.now() - begin);
      if (status !== 200) failed++;
    }
  } finally {
    agent.destroy();
  }
  return { calls: latencies.length, ...percentiles(latencies), failed };
}
