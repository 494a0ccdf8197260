/**
 * A worker process of the job queue alone, for tests that need a second
 * process or one to kill: `node --import tsx tests/support/job-queue-process.ts`.
 * It works JOB_QUEUE on DATABASE_URL with JOB_CONCURRENCY handlers, each
 * holding its job JOB_HOLD_MS (forever when "block"), polling every
 * JOB_POLLING_SECONDS (0.5) when idle, and reports on stdout,
 * one JSON object a line: {"event":"ready"}, then {"event":"start"|"done","id","attempt"}.
 * SIGTERM stops it gracefully.
 */
import { createLogger } from "~/worker/logger";
import { createJobQueue } from "~/worker/jobs/queue";

function report(event: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const hold = process.env.JOB_HOLD_MS ?? "0";
const queue = await createJobQueue({
  databaseUrl: process.env.DATABASE_URL!,
  logger: createLogger(process.env.LOG_LEVEL ?? "warn"),
  pollingIntervalSeconds: Number(process.env.JOB_POLLING_SECONDS ?? "0.5"),
});
await queue.work<object>(
  process.env.JOB_QUEUE!,
  async (job) => {
    report({ event: "start", id: job.id, attempt: job.attempt });
    await new Promise<void>((resolve) => {
      if (hold !== "block") setTimeout(resolve, Number(hold));
    });
    report({ event: "done", id: job.id, attempt: job.attempt });
  },
  { concurrency: Number(process.env.JOB_CONCURRENCY ?? "1") },
);
report({ event: "ready" });

process.on("SIGTERM", () => {
  void queue.stop({ timeoutMs: 10_000 }).then(() => process.exit(0));
});
