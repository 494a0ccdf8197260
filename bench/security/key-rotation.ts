/**
 * (4) Whether rotating the signing key ever fails a call. The web tier makes
 * a new key every JWT_ROTATION_INTERVAL and signs with it at once, so the
 * first tokens under a new key reach a worker that has not seen it yet, and
 * retired keys leave the key set after JWT_GRACE_PERIOD. Several clients
 * take a fresh token over and over and use it straight away, on every
 * worker and through the web tier.
 */
import http from "node:http";

import { errorMessage } from "~/contract/error-message";
import { JWKS_PATH } from "~/contract/worker-token";
import { percentiles } from "../../tooling/percentiles";
import { exchange, type Headers, newClientIp, signUp } from "../../tooling/app-client";
import { fetchOk, get, kidOf, refusalOf } from "../client";
import type { Stack } from "../stack";

export const ROTATION = { durationMs: 60_000, clients: 4 };

export interface RotationResult {
  clients: number;
  /** Calls made, by kind ("mint", "worker-1", "web → worker"…). */
  calls: Map<string, number>;
  /** Calls that did not answer 200, by kind, status and reason. */
  failures: Map<string, number>;
  failed: number;
  /** Signing keys seen in the minted tokens' headers. */
  keys: number;
  /** Keys in the web tier's JWKS when the run ended. */
  published: number;
  /** Direct worker calls: a token under a key the worker has not fetched yet waits for the fetch. */
  direct: { p50: number; p99: number; max: number };
}

export async function measureKeyRotation(stack: Stack): Promise<RotationResult> {
  const calls = new Map<string, number>();
  const failures = new Map<string, number>();
  const kids = new Set<string>();
  const direct: number[] = [];
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const users = await Promise.all(
    Array.from({ length: ROTATION.clients }, (_, n) => signUp(stack.webUrl, `rotation-${n + 1}`, newClientIp())),
  );
  const deadline = performance.now() + ROTATION.durationMs;

  const client = async (cookie: string) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    /** One call of `kind`; false when it failed. */
    const call = async (kind: string, url: string, headers: Headers): Promise<boolean> => {
      count(calls, kind);
      const begin = performance.now();
      try {
        const { status, body } = await get(url, headers, agent);
        if (kind.startsWith("worker")) direct.push(performance.now() - begin);
        if (status === 200) return true;
        count(failures, `${kind}: ${status} ${refusalOf(body) ?? ""}`.trim());
      } catch (error) {
        count(failures, `${kind}: no answer (${errorMessage(error)})`);
      }
      return false;
    };

    try {
      while (performance.now() < deadline) {
        count(calls, "mint");
        const minted = await exchange(stack.webUrl, cookie).catch((error: unknown) => ({
          status: 0,
          token: undefined,
          body: errorMessage(error),
        }));
        if (!minted.token) {
          count(
            failures,
            `mint: ${minted.status} ${refusalOf(minted.body) ?? JSON.stringify(minted.body).slice(0, 80)}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        kids.add(kidOf(minted.token));
        const bearer = { authorization: `Bearer ${minted.token}` };
        for (const worker of stack.workers) await call(worker.service.spec.name, `${worker.url}/trpc/whoami`, bearer);
        await call("web → worker", `${stack.webUrl}/api/trpc/worker.whoami`, { cookie });
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(users.map((user) => client(user.cookie)));

  const failed = [...failures.values()].reduce((sum, n) => sum + n, 0);
  const jwks = JSON.parse(await fetchOk(`${stack.webUrl}${JWKS_PATH}`, {})) as { keys: unknown[] };
  return {
    clients: users.length,
    calls,
    failures,
    failed,
    keys: kids.size,
    published: jwks.keys.length,
    direct: { ...percentiles(direct), max: Math.max(...direct) },
  };
}
