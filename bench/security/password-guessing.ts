/**
 * (2) How many passwords an attacker gets checked per minute against one
 * account: from one address, and changing X-Forwarded-For on every attempt,
 * which a web tier that trusts the header (TRUSTED_PROXY_HOPS=1, one proxy
 * that appends) takes as a new client each time. Only a limit kept per
 * account holds the second attacker back.
 */
import { randomBytes } from "node:crypto";

import { errorMessage } from "~/contract/error-message";
import { newClientIp, signIn, signUp } from "../../tooling/app-client";
import type { Stack } from "../stack";

export const GUESSING = {
  durationMs: 60_000,
  /** Attempts in flight per attacker: a limit that checks then counts lets a burst through. */
  lanes: 2,
  /** Between a lane's attempts after a 429 (or no answer): refusals are cheap, but ten thousand a minute would load the machine the other measurements share. */
  pauseAfterRefusalMs: 50,
};

export interface GuessingResult {
  attempts: number;
  /** Answers other than 429: the password was checked. */
  checked: number;
  perMinute: number;
  /** Answers by status ("error" when none came). */
  byStatus: Map<string, number>;
  /** Checked among the attempts sent before the first 429 came back: the burst the limit allows. */
  checkedBeforeRefusal?: number;
  /** The first 429's wait headers, as sent. */
  retryAfter?: string;
  xRetryAfter?: string;
}

/** One account's attacker for GUESSING.durationMs; `rotateIp`: a new X-Forwarded-For on every attempt. */
export async function guessPasswords(stack: Stack, { rotateIp }: { rotateIp: boolean }): Promise<GuessingResult> {
  const victim = await signUp(stack.webUrl, rotateIp ? "guess-rotating" : "guess-one-ip", newClientIp());
  const attackerIp = newClientIp();
  const byStatus = new Map<string, number>();
  let attempts = 0;
  let checked = 0;
  let firstRefusalAt = Infinity;
  let checkedBeforeRefusal = 0;
  let retryAfter: string | undefined;
  let xRetryAfter: string | undefined;

  const deadline = performance.now() + GUESSING.durationMs;
  const lane = async () => {
    while (performance.now() < deadline) {
      const wrong = randomBytes(12).toString("base64url");
      const sentAt = performance.now();
      let status: string;
      let answered = false;
      try {
        const res = await signIn(stack.webUrl, victim.email, wrong, rotateIp ? newClientIp() : attackerIp);
        await res.arrayBuffer();
        status = String(res.status);
        answered = true;
        if (res.status === 429 && firstRefusalAt === Infinity) {
          firstRefusalAt = performance.now();
          retryAfter = res.headers.get("retry-after") ?? undefined;
          xRetryAfter = res.headers.get("x-retry-after") ?? undefined;
        }
      } catch (error) {
        status = `error (${errorMessage(error)})`;
      }
      attempts++;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      if (answered && status !== "429") {
        checked++;
        // With attempts in flight, some sent before the first refusal are answered after it.
        if (sentAt < firstRefusalAt) checkedBeforeRefusal++;
      } else await new Promise((resolve) => setTimeout(resolve, GUESSING.pauseAfterRefusalMs));
    }
  };
  await Promise.all(Array.from({ length: GUESSING.lanes }, lane));
  return {
    attempts,
    checked,
    perMinute: checked / (GUESSING.durationMs / 60_000),
    byStatus,
    checkedBeforeRefusal: firstRefusalAt === Infinity ? undefined : checkedBeforeRefusal,
    retryAfter,
    xRetryAfter,
  };
}
