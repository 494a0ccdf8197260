import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

import pg from "pg";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";

import {
  createJobQueue,
  PermanentJobError,
  type JobQueue,
  type JobQueueOptions,
  type RunningJob,
} from "~/worker/jobs/queue";
import { DOCUMENT_INGEST_QUEUE } from "~/contract/ingest-queue";
import { QUEUE_POLICIES, type QueuePolicy } from "~/worker/jobs/queues";
import { createTestLog } from "../support/worker/log-capture";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { createTestDatabase, queryOnce } from "../support/test-database";

const databaseUrl = process.env.DATABASE_URL!;

const started: JobQueue[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(started.splice(0).map((queue) => queue.stop({ timeoutMs: 1_000 })));
});

/** A queue of the test's own, made as the migration makes document.ingest (by the migrating login). */
async function testQueue(policy: Partial<QueuePolicy> = {}): Promise<string> {
  const name = `test.${randomBytes(6).toString("hex")}`;
  const options = { policy: "standard", ...QUEUE_POLICIES[DOCUMENT_INGEST_QUEUE], ...policy };
  await queryOnce(databaseUrl, "SELECT pgboss.create_queue($1, $2::jsonb)", [name, JSON.stringify(options)]);
  return name;
}

async function startQueue(options: Partial<JobQueueOptions> = {}) {
  const log = createTestLog("warn");
  const queue = await createJobQueue({ databaseUrl, logger: log.logger, pollingIntervalSeconds: 0.5, ...options });
  started.push(queue);
  return Object.assign(queue, { log });
}

/** Runs `write` inside a transaction on a connection of its own, committing unless told to roll back. */
async function inTransaction<T>(
  write: (client: pg.Client) => Promise<T>,
  outcome: "commit" | "rollback" = "commit",
  url = databaseUrl,
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    const result = await write(client);
    await client.query(outcome === "commit" ? "COMMIT" : "ROLLBACK");
    return result;
  } finally {
    await client.end();
  }
}

interface JobRow {
  state: string;
  retry_count: number;
  output: { message?: string; permanent?: boolean } | null;
}

async function jobRow(queue: string, id: string): Promise<JobRow | undefined> {
  const rows = await queryOnce<JobRow>(
    databaseUrl,
    "SELECT state, retry_count, output FROM pgboss.job WHERE name = $1 AND id = $2",
    [queue, id],
  );
  return rows[0];
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

interface ProcessEvent {
  event: "ready" | "start" | "done";
  id?: string;
  attempt?: number;
  at: number;
}

/** tests/support/job-queue-process.ts as a child process; its events as they arrive. */
function workerProcess(queue: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/support/job-queue-process.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, JOB_QUEUE: queue, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const events: ProcessEvent[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("{")) events.push({ ...(JSON.parse(line) as Omit<ProcessEvent, "at">), at: Date.now() });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = waitFor(
    "the worker process to be ready",
    () => (events.some((e) => e.event === "ready") ? true : undefined),
    30_000,
  );
  return { child, events, ready, exited };
}

describe("the job_queue migration", () => {
  it("creates document.ingest with the policy the code expects", async () => {
    const [row] = await queryOnce<Record<string, unknown>>(
      databaseUrl,
      `SELECT retry_limit AS "retryLimit", retry_delay AS "retryDelay", retry_backoff AS "retryBackoff",
              retry_delay_max AS "retryDelayMax", heartbeat_seconds AS "heartbeatSeconds", expire_seconds AS "expireInSeconds",
              policy, partition
       FROM pgboss.queue WHERE name = $1`,
      [DOCUMENT_INGEST_QUEUE],
    );
    expect(row).toEqual({ ...QUEUE_POLICIES[DOCUMENT_INGEST_QUEUE], policy: "standard", partition: false });
  });

  it("is what the worker needs: without it the queue refuses to start and says why", async () => {
    const empty = await createTestDatabase(inject("testServerUrl"));
    try {
      await expect(createJobQueue({ databaseUrl: empty.url, logger: createTestLog().logger })).rejects.toThrow(
        /schema "pgboss".* missing .*not installed.*npm run db:deploy/,
      );
    } finally {
      await empty.drop();
    }
  });
});

describe("enqueue, in the caller's transaction", () => {
  it("a rolled-back transaction leaves no job; a committed one's job runs with its data", async () => {
    const name = await testQueue();
    const queue = await startQueue();
    const handled: RunningJob<{ documentId: string }>[] = [];
    await queue.work<{ documentId: string }>(name, async (job) => void handled.push(job));

    const rolledBack = await inTransaction(
      (client) => queue.enqueue(client, name, { documentId: "rolled-back" }),
      "rollback",
    );
    const committed = await inTransaction((client) => queue.enqueue(client, name, { documentId: "committed" }));

    expect(rolledBack).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor("the committed job to complete", async () =>
      (await jobRow(name, committed!))?.state === "completed" ? true : undefined,
    );
    expect(await jobRow(name, rolledBack!)).toBeUndefined();
    expect(handled.map((job) => [job.id, job.data.documentId, job.attempt])).toEqual([[committed, "committed", 1]]);
  });

  it("a job only becomes visible to workers when its transaction commits", async () => {
    const name = await testQueue();
    const queue = await startQueue();
    const handled: string[] = [];
    await queue.work(name, async (job) => void handled.push(job.id));
    const id = await inTransaction(async (client) => {
      const id = await queue.enqueue(client, name, {});
      // Two polls' time, in which the job is invisible inside the transaction.
      await sleep(1_000);
      expect(handled).toEqual([]);
      return id;
    });
    await waitFor("the job to run", () => (handled.includes(id!) ? true : undefined));
  });
});

describe("retries", () => {
  it("retries a transient failure with backoff and tells the handler its attempt", async () => {
    const name = await testQueue({ retryLimit: 2, retryDelay: 1 });
    const queue = await startQueue();
    const attempts: { attempt: number; last: boolean; at: number }[] = [];
    await queue.work(name, async (job) => {
      attempts.push({ attempt: job.attempt, last: job.isLastAttempt, at: Date.now() });
      if (job.attempt < 3) throw new Error("storage unavailable");
    });
    const id = await inTransaction((client) => queue.enqueue(client, name, {}));
    await waitFor("the third attempt to complete the job", async () =>
      (await jobRow(name, id!))?.state === "completed" ? true : undefined,
    );
    expect(attempts.map(({ attempt, last }) => [attempt, last])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // Backoff: about retryDelay × ½–1 before the second attempt, × 1–2 before the third.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(400);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(900);
  });

  it("gives up after the last attempt and keeps the error on the job", async () => {
    const name = await testQueue({ retryLimit: 1, retryDelay: 1, retryBackoff: false });
    const queue = await startQueue();
    const seen: [number, boolean][] = [];
    await queue.work(name, async (job) => {
      seen.push([job.attempt, job.isLastAttempt]);
      throw new Error(`still failing on attempt ${job.attempt}`);
    });
    const id = await inTransaction((client) => queue.enqueue(client, name, {}));
    const row = await waitFor("the job to fail", async () => {
      const row = await jobRow(name, id!);
      return row?.state === "failed" ? row : undefined;
    });
    expect(seen).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(row.output).toMatchObject({ message: "still failing on attempt 2", permanent: false });
  });

  it("a PermanentJobError fails the job at once, whatever attempts are left", async () => {
    const name = await testQueue({ retryLimit: 5, retryDelay: 1, retryBackoff: false });
    const queue = await startQueue();
    let calls = 0;
    await queue.work(name, async () => {
      calls++;
      throw new PermanentJobError("not a PDF");
    });
    const id = await inTransaction((client) => queue.enqueue(client, name, {}));
    const row = await waitFor("the job to fail", async () => {
      const row = await jobRow(name, id!);
      return row?.state === "failed" ? row : undefined;
    });
    // Longer than a retry would take to come round.
    await sleep(2_500);
    expect(calls).toBe(1);
    expect(row).toMatchObject({
      retry_count: 0,
      output: { name: "PermanentJobError", message: "not a PDF", permanent: true },
    });
  });
});

describe("several workers", () => {
  it("two processes share a queue and handle each job exactly once", async () => {
    const name = await testQueue({ retryLimit: 0 });
    const workers = [
      workerProcess(name, { JOB_CONCURRENCY: "2", JOB_HOLD_MS: "20" }),
      workerProcess(name, { JOB_CONCURRENCY: "2", JOB_HOLD_MS: "20" }),
    ];
    await Promise.all(workers.map((w) => w.ready));
    const queue = await startQueue();
    const ids = await inTransaction(async (client) => {
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await queue.enqueue(client, name, { i }))!);
      return ids;
    });

    const done = () => workers.flatMap((w) => w.events.filter((e) => e.event === "done").map((e) => e.id!));
    await waitFor("every job to be done", () => (done().length >= ids.length ? true : undefined), 40_000);
    await sleep(1_000);
    const starts = workers.flatMap((w) => w.events.filter((e) => e.event === "start").map((e) => e.id!));
    expect(starts.toSorted()).toEqual(ids.toSorted());
    expect(workers.every((w) => w.events.some((e) => e.event === "start"))).toBe(true);
    const states = await queryOnce<{ state: string; count: number }>(
      databaseUrl,
      "SELECT state, count(*)::int AS count FROM pgboss.job WHERE name = $1 GROUP BY state",
      [name],
    );
    expect(states).toEqual([{ state: "completed", count: ids.length }]);
  }, 60_000);

  it("a killed worker's job is retried by another process within seconds", async () => {
    // The production policy: heartbeat 10 s, first retry 2.5–5 s after the job is failed.
    const name = await testQueue();
    const doomed = workerProcess(name, { JOB_HOLD_MS: "block" });
    await doomed.ready;
    const queue = await startQueue();
    const id = await inTransaction((client) => queue.enqueue(client, name, { document: "big.pdf" }));
    await waitFor("the first process to start the job", () =>
      doomed.events.some((e) => e.event === "start" && e.id === id) ? true : undefined,
    );

    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const killedAt = Date.now();
    const retried: RunningJob<object>[] = [];
    await queue.work<object>(name, async (job) => void retried.push(job));
    await waitFor(
      "another process to finish the job",
      async () => ((await jobRow(name, id!))?.state === "completed" ? true : undefined),
      45_000,
    );

    const tookMs = Date.now() - killedAt;
    console.log(
      `job of a SIGKILLed worker completed by another process ${(tookMs / 1000).toFixed(1)} s after the kill`,
    );
    expect(retried.map((job) => [job.id, job.attempt])).toEqual([[id, 2]]);
    expect(tookMs).toBeLessThan(30_000);
  }, 60_000);

  it("a long job on a live worker is not taken by another", async () => {
    const name = await testQueue();
    const [first, second] = [await startQueue(), await startQueue()];
    const starts: [string, number][] = [];
    // Twice the heartbeat: only the heartbeat keeps the job its worker's.
    await first.work(name, async (job) => {
      starts.push(["first", job.attempt]);
      await sleep(22_000);
    });
    const id = await inTransaction((client) => first.enqueue(client, name, {}));
    await waitFor("the first worker to start", () => (starts.length > 0 ? true : undefined));
    await second.work(name, async (job) => void starts.push(["second", job.attempt]));
    await waitFor(
      "the job to complete",
      async () => ((await jobRow(name, id!))?.state === "completed" ? true : undefined),
      40_000,
    );
    expect(starts).toEqual([["first", 1]]);
  }, 60_000);
});

describe("stop()", () => {
  it("stops fetching and lets a running job finish", async () => {
    const name = await testQueue({ retryLimit: 0 });
    const queue = await startQueue();
    let finished = false;
    await queue.work(name, async () => {
      await sleep(2_000);
      finished = true;
    });
    const [running, waiting] = await inTransaction(async (client) => [
      await queue.enqueue(client, name, { n: 1 }),
      await queue.enqueue(client, name, { n: 2 }, { startAfter: new Date(Date.now() + 3_000) }),
    ]);
    await waitFor("the first job to start", async () =>
      (await jobRow(name, running!))?.state === "active" ? true : undefined,
    );
    await queue.stop({ timeoutMs: 10_000 });
    expect(finished).toBe(true);
    expect((await jobRow(name, running!))?.state).toBe("completed");
    await sleep(1_500);
    expect((await jobRow(name, waiting!))?.state).toBe("created");
  });
});

describe("as a login that is only a member of app_worker", () => {
  const login = `queue_probe_${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    await queryOnce(databaseUrl, `DROP ROLE IF EXISTS ${login}`);
  });

  it("sends, works and supervises jobs, and cannot read the auth tables", async () => {
    const password = randomBytes(12).toString("hex");
    await queryOnce(databaseUrl, `CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE app_worker`);
    const url = new URL(databaseUrl);
    url.username = login;
    url.password = password;
    const name = await testQueue({ retryLimit: 0 });

    const queue = await startQueue({ databaseUrl: url.toString(), superviseIntervalSeconds: 1 });
    const handled: string[] = [];
    await queue.work(name, async (job) => void handled.push(job.id));
    const id = await inTransaction((client) => queue.enqueue(client, name, {}), "commit", url.toString());
    await waitFor("the job to complete", async () =>
      (await jobRow(name, id!))?.state === "completed" ? true : undefined,
    );
    // Supervision passes (expiry, heartbeats, counts, deletion) as this login.
    await sleep(3_000);
    await queue.stop({ timeoutMs: 5_000 });
    expect(handled).toEqual([id]);
    expect(queue.log.lines.filter((line) => line.level >= 40)).toEqual([]);

    await expect(queryOnce(url.toString(), 'SELECT * FROM "account"')).rejects.toThrow(/permission denied/);
    await expect(queryOnce(url.toString(), "SELECT pgboss.create_queue('x', '{}'::jsonb)")).rejects.toThrow(
      /permission denied/,
    );
  });
});
