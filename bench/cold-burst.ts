/**
 * `npm run bench:cold-burst`: a cold burst against the production build.
 * A fresh web tier and worker, USERS signed up, then BURST GET /dashboard at
 * once (each on a connection of its own, with a session cookie), every one
 * given TIMEOUT to answer, as the overload run of issue 21 did. Prints how
 * many were answered 200, refused 503 with Retry-After, took over 5 s, or
 * got no answer at all; exits 1 if any took over 5 s or got none.
 *
 *   npm run bench:cold-burst -- [--no-build] [--burst 200] [--users 20]
 *     [--timeout-ms 15000] [--max-in-flight N] [--queue-wait-ms N]
 *
 * --max-in-flight 0 turns the web tier's gate off (src/server/overload).
 */
import http from "node:http";
import { parseArgs } from "node:util";

import { percentiles } from "../tooling/percentiles";
import { newClientIp, signUp, type User } from "../tooling/app-client";
import { get } from "./client";
import { runBench, startStack } from "./stack";

const HELP = `Usage: npm run bench:cold-burst -- [options]
  --no-build             use the existing production build
  --burst N              requests at once (default 200)
  --users N              signed-up users the burst's cookies are spread over (default 20)
  --timeout-ms N         the client's patience per request (default 15000)
  --max-in-flight N      WEB_MAX_IN_FLIGHT of the web tier (default: its own; 0: no gate)
  --queue-wait-ms N      WEB_QUEUE_WAIT_MS of the web tier (default: its own)
  --help                 this text`;

const SLOW_MS = 5_000;

const { values } = parseArgs({
  options: {
    "no-build": { type: "boolean" },
    burst: { type: "string", default: "200" },
    users: { type: "string", default: "20" },
    "timeout-ms": { type: "string", default: "15000" },
    "max-in-flight": { type: "string" },
    "queue-wait-ms": { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

await runBench(async () => {
  const web: Record<string, string> = { TRUSTED_PROXY_HOPS: "1" };
  if (values["max-in-flight"] !== undefined) web.WEB_MAX_IN_FLIGHT = values["max-in-flight"];
  if (values["queue-wait-ms"] !== undefined) web.WEB_QUEUE_WAIT_MS = values["queue-wait-ms"];
  const stack = await startStack({ web });
  // One at a time: the users are the burst's setup, not part of it.
  const users: User[] = [];
  for (let index = 0; index < Number(values.users); index++) {
    users.push(await signUp(stack.webUrl, `burst${index}`, newClientIp()));
  }
  const burst = Number(values.burst);
  const timeoutMs = Number(values["timeout-ms"]);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: burst }, async (_, index) => {
      const begin = performance.now();
      try {
        const answer = await get(
          `${stack.webUrl}/dashboard`,
          { cookie: users[index % users.length]!.cookie },
          agent,
          timeoutMs,
        );
        return { status: answer.status, retryAfter: answer.headers["retry-after"], ms: performance.now() - begin };
      } catch {
        return { status: 0, retryAfter: undefined, ms: performance.now() - begin };
      }
    }),
  );
  const wall = performance.now() - started;
  const count = (test: (outcome: (typeof outcomes)[number]) => boolean) => outcomes.filter(test).length;
  const statuses = new Map<number, number>();
  for (const { status } of outcomes) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const answered = outcomes.filter((outcome) => outcome.status === 200).map((outcome) => outcome.ms);
  const refused = outcomes.filter((outcome) => outcome.status === 503).map((outcome) => outcome.ms);
  const p = (values: number[]) => {
    if (values.length === 0) return "-";
    const { p50, p99 } = percentiles(values);
    return `p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms, max ${Math.round(Math.max(...values))} ms`;
  };
  const slow = count((outcome) => outcome.status !== 0 && outcome.ms > SLOW_MS);
  const timedOut = count((outcome) => outcome.status === 0);
  console.log(`\nCold burst: ${burst} GET /dashboard at once, ${users.length} users, client timeout ${timeoutMs} ms`);
  console.log(`  statuses: ${[...statuses].map(([status, n]) => `${status || "no answer"} × ${n}`).join(", ")}`);
  console.log(`  200: ${p(answered)}`);
  console.log(
    `  503: ${p(refused)}; with Retry-After: ${count((o) => o.status === 503 && o.retryAfter !== undefined)}`,
  );
  console.log(`  over ${SLOW_MS / 1000} s: ${slow}; no answer within ${timeoutMs / 1000} s: ${timedOut}`);
  console.log(`  the whole burst: ${Math.round(wall)} ms`);
  return slow + timedOut > 0 ? 1 : 0;
});
