/**
 * The job queue as the worker starts it: connecting in the background and
 * again every few seconds until the database answers, so a worker started
 * while PostgreSQL is down still serves what needs no queue (and says why
 * uploads fail: 503, "the job queue is not connected"), and picks up work by
 * itself once the database is back, instead of exiting into a restart loop.
 */
import { TRPCError } from "@trpc/server";

import type { Logger } from "~/worker/logger";
import { errorMessage } from "~/contract/error-message";
import { createJobQueue, type JobQueue, type JobQueueOptions } from "./queue";

export interface ConnectingQueue extends JobQueue {
  /** Resolves once connected (after `onConnected` ran); never rejects. */
  readonly connected: Promise<JobQueue>;
  /** Whether it is connected now (/readyz). */
  isConnected(): boolean;
}

export function connectJobQueue(
  options: JobQueueOptions & {
    /** Runs once connected, before `connected` resolves: register the handlers here. */
    onConnected: (queue: JobQueue) => Promise<void>;
    logger: Logger;
    retryMs?: number;
  },
): ConnectingQueue {
  const { onConnected, logger, retryMs = 5_000 } = options;
  let queue: JobQueue | undefined;
  let stopped = false;

  const connected = (async () => {
    for (let failures = 0; ; failures++) {
      try {
        const started = await createJobQueue(options);
        if (stopped) {
          await started.stop({ timeoutMs: 0 });
          return started;
        }
        await onConnected(started);
        queue = started;
        if (failures > 0) logger.info("job queue connected");
        return started;
      } catch (error) {
        // The first failure and then one a minute: the database may be down for long.
        if (failures % Math.max(1, Math.round(60_000 / retryMs)) === 0) {
          logger.error(
            { err: errorMessage(error) },
            `job queue cannot connect; trying again every ${retryMs / 1000} s`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
      }
    }
  })();

  return {
    connected,
    isConnected: () => queue !== undefined,
    enqueue(db, name, data, enqueueOptions) {
      if (!queue) {
        throw new TRPCError({
          code: "SERVICE_UNAVAILABLE",
          message: "The job queue is not connected yet: try again in a few seconds.",
        });
      }
      return queue.enqueue(db, name, data, enqueueOptions);
    },
    async work(name, handler, workOptions) {
      await (await connected).work(name, handler, workOptions);
    },
    async stop(stopOptions) {
      stopped = true;
      await queue?.stop(stopOptions);
    },
  };
}
