/**
 * Subscriptions to the worker (SSE, docs/decisions/0013), the same in the
 * browser and in Node: tRPC's httpSubscriptionLink over the `eventsource`
 * package's EventSource, whose `fetch` option lets each connection carry
 * headers. Browsers' own EventSource cannot send any, and the token must
 * never go in a URL (URLs end up in logs and proxies' access logs).
 *
 * - Every connection, the EventSource's own reconnects included, reads the
 *   token from the cache afresh: a reconnect after the token was refreshed
 *   sends the new one.
 * - A 401 when connecting drops the cached token and retries at once with a
 *   fresh one (token-retry.ts, as every request of this client); a second
 *   401, or a token that cannot be minted (the session ended), ends the
 *   subscription with that error.
 * - When the worker ends the stream with UNAUTHORIZED (the token expired or
 *   the session was revoked mid-stream) the token is dropped and the
 *   subscription resumes from the last event id it got, with a new token.
 * - When a connection fails without an answer (a network error, a worker
 *   restarting), the EventSource reconnects by itself with Last-Event-ID;
 *   a non-tRPC refusal (a proxy's 502) is retried with backoff.
 */
import { httpSubscriptionLink, TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { EventSource, type FetchLike } from "eventsource";

import { newRequestId } from "~/contract/request-id";
import type { WorkerRouter } from "~/contract/worker-router";

import { dropToken, sendWithToken, type WorkerCredentials } from "./token-retry";
import { workerRoute } from "./worker-route";

export interface WorkerSubscriptionLinkOptions extends WorkerCredentials {
  /** The worker's base URL. */
  url: string;
  requestId?: string;
  /** Consecutive failed attempts (none of which started a stream) before giving up. */
  maxFailures?: number;
  /** Wait before attempt number `failures` + 1. */
  retryDelayMs?: (failures: number) => number;
  /** The fetch each connection goes through (tests count connections with it). */
  fetch?: typeof fetch;
}

const defaultDelay = (failures: number) => Math.min(500 * 2 ** (failures - 1), 10_000);

export function workerSubscriptionLink(options: WorkerSubscriptionLinkOptions): TRPCLink<WorkerRouter> {
  const { tokens, sessionId, mint, maxFailures = 6, retryDelayMs = defaultDelay } = options;
  const credentials = { tokens, sessionId, mint };
  const base = workerRoute(options.url, "/trpc");
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));

  return (runtime) =>
    ({ op }) =>
      observable((observer) => {
        let lastEventId: string | undefined;
        let failures = 0;
        let stopped = false;
        let current: Unsubscribable | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        /** Set when retrying cannot help: the error the subscription ends with. */
        let fatal: TRPCClientError<WorkerRouter> | undefined;

        const authedFetch: FetchLike = async (url, init) => {
          const response = await sendWithToken(
            credentials,
            options.requestId ?? newRequestId(),
            (headers) => fetchImpl(String(url), { ...init, headers: { ...init.headers, ...headers } }),
            {
              // No token to be had (signed out, session revoked): answer the
              // EventSource with a 401 so that it stops instead of retrying.
              whenNoToken: (error) => {
                fatal = TRPCClientError.from(error instanceof Error ? error : new Error(String(error)));
                return new Response(null, { status: 401 });
              },
            },
          );
          if (response.status === 401 && !fatal) fatal = await refusal(response);
          return response;
        };

        const transport = httpSubscriptionLink<WorkerRouter, typeof EventSource>({
          url: base,
          EventSource,
          eventSourceOptions: () => ({ fetch: authedFetch }),
        })(runtime);

        function attempt() {
          if (stopped) return;
          fatal = undefined;
          const input = lastEventId ? { ...(op.input as object | undefined), lastEventId } : op.input;
          current = transport({
            op: { ...op, input },
            next: () => {
              throw new Error("workerSubscriptionLink is a terminating link");
            },
          }).subscribe({
            next(envelope) {
              const result = envelope.result;
              if (result.type === "started") failures = 0;
              if ((!result.type || result.type === "data") && "id" in result && typeof result.id === "string")
                lastEventId = result.id;
              observer.next(envelope);
            },
            error(error) {
              if (stopped) return;
              if (fatal) return observer.error(fatal);
              const code = error.data?.code;
              // Other tRPC errors (bad input, …) are the caller's: not retried.
              if (code !== undefined && code !== "UNAUTHORIZED") return observer.error(error);
              failures++;
              if (failures > maxFailures) return observer.error(error);
              if (code === "UNAUTHORIZED") dropToken(credentials);
              // A stream the worker ended because its token expired resumes at once.
              const delay = code === "UNAUTHORIZED" && failures === 1 ? 0 : retryDelayMs(failures);
              timer = setTimeout(attempt, delay);
            },
            complete() {
              observer.complete();
            },
          });
        }

        attempt();
        return () => {
          stopped = true;
          clearTimeout(timer);
          current?.unsubscribe();
        };
      });
}

/** The worker's 401 as the error a query would have failed with (code, data.reason). */
async function refusal(response: Response): Promise<TRPCClientError<WorkerRouter>> {
  try {
    return TRPCClientError.from((await response.clone().json()) as never);
  } catch {
    return TRPCClientError.from(new Error(`The worker refused the connection (HTTP ${response.status}).`));
  }
}
