import { expect } from "vitest";

/** What a worker answers `token` on whoami: the HTTP status and, on a refusal, its reason. */
export async function whoami(workerUrl: string, token: string) {
  const response = await fetch(`${workerUrl}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { data: { reason: string | null } } };
  return { status: response.status, reason: body.error?.data.reason ?? null };
}

/**
 * Calls every worker with `token` (or each of `tokens`) in a tight loop while
 * `revoke` runs, and returns, per worker and token, how long after `revoke`
 * returned it kept answering 200 (0 when it refused before: the revocation
 * commits before the call returns). Each must be accepted first and end
 * refused as revoked. Tokens one revocation ends are watched in one call:
 * each watch's "revocation started" must be the real one.
 */
export async function timeToRefusal(
  workers: readonly { url: string }[],
  tokens: string | readonly string[],
  revoke: () => Promise<unknown>,
): Promise<number[]> {
  const watched = workers.flatMap((worker) => [tokens].flat().map((token) => ({ url: worker.url, token })));
  for (const { url, token } of watched) expect(await whoami(url, token)).toEqual({ status: 200, reason: null });
  let revokeStartedAt = Infinity;
  const watch = async ({ url, token }: { url: string; token: string }) => {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const answer = await whoami(url, token);
      if (answer.status !== 200) return { answer, sentAt };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${url} still accepts the token 10 s after the revocation`);
  };
  const watching = Promise.all(watched.map(watch));
  await new Promise((resolve) => setTimeout(resolve, 30));
  revokeStartedAt = performance.now();
  await revoke();
  const revokedAt = performance.now();
  const refusals = await watching;
  for (const { answer, sentAt } of refusals) {
    expect(answer).toEqual({ status: 401, reason: "revoked" });
    // Refused before anything was revoked would be a refusal for another reason.
    expect(sentAt).toBeGreaterThan(revokeStartedAt);
  }
  return refusals.map(({ sentAt }) => Math.max(0, sentAt - revokedAt));
}
