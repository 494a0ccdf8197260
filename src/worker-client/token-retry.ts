/**
 * The one refresh-and-retry policy of every request to the worker, whatever
 * carries it: tRPC queries and mutations (worker-client.ts), uploads and
 * downloads (worker-http.ts), subscriptions (subscription-link.ts).
 *
 * Each request carries the session's token from the cache and the action's
 * request id. When the worker answers 401 (the token expired within the
 * cache's margin, the signing key rotated, the token was revoked), the cached
 * token is dropped and the request sent once more with a freshly minted one.
 * A second 401 is the answer: a fresh token refused too is no longer about
 * the token's age, and is explained as such (explainWorkerAnswer).
 */
import { REQUEST_ID_HEADER } from "~/contract/request-id";
import type { WorkerToken } from "~/contract/worker-token";

import type { TokenCache } from "./token-cache";

/** Whose tokens, kept where, minted how. */
export interface WorkerCredentials {
  tokens: TokenCache;
  /** The session the tokens belong to. */
  sessionId: string;
  /** Gets a fresh token when the cache has none fit for use. */
  mint: (requestId: string) => Promise<WorkerToken>;
}

export interface SendWithTokenOptions<Answer> {
  /**
   * The answer when no token can be had (the session ended), instead of the
   * mint's error: an EventSource needs a response to stop on, not an exception.
   */
  whenNoToken?: (error: unknown) => Answer;
}

/** Sends a request (`send`, given the headers to add) under the policy above. */
export async function sendWithToken<Answer extends { status: number }>(
  credentials: WorkerCredentials,
  requestId: string,
  send: (headers: Record<string, string>) => Promise<Answer>,
  { whenNoToken }: SendWithTokenOptions<Answer> = {},
): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    let token: string;
    try {
      ({ token } = await credentials.tokens.get(credentials.sessionId, () => credentials.mint(requestId)));
    } catch (error) {
      if (whenNoToken) return whenNoToken(error);
      throw error;
    }
    const answer = await send({ authorization: `Bearer ${token}`, [REQUEST_ID_HEADER]: requestId });
    if (answer.status !== 401 || attempt > 1) return answer;
    dropToken(credentials);
    // The refusal's body is not read: release its connection.
    if (answer instanceof Response) await answer.body?.cancel();
  }
}

/**
 * Forgets the session's token, so that the next request mints a fresh one:
 * after a 401, or when the worker ends a live stream because its token ran
 * out (subscription-link.ts).
 */
export function dropToken({ tokens, sessionId }: Pick<WorkerCredentials, "tokens" | "sessionId">): void {
  tokens.drop(sessionId);
}
