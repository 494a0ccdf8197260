/**
 * `npm run bench:reset-timing`: whether the time /request-password-reset
 * takes to answer says if an address has an account. The answer's words are
 * the same either way; if its timing differs, anyone can tell which
 * addresses are registered by timing a few requests.
 *
 * The app's auth (createAuth, as the web tier configures it: reset mail in
 * the background, hashed verification identifiers, per-address and per-IP
 * limits, one proxy hop trusted) in this process, on a fresh migrated
 * database, mailing a real SMTP server (smtp-server, in this process too).
 * Each round asks for a reset of one registered address and of one that
 * has no account, in alternating order, each address once (so no limit
 * answers), each request from a client IP of its own; the next request
 * waits until the previous one's mail, if any, has arrived, so no request
 * is timed while another's background work runs.
 *
 *   npm run bench:reset-timing
 *   npm run bench:reset-timing -- --rounds 200
 *   npm run bench:reset-timing -- --postgres postgresql://postgres@127.0.0.1:5432/postgres
 *   npm run bench:reset-timing -- --help
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createAuth } from "~/server/auth";
import { createPrismaClient } from "~/server/db/prisma";
import { createLogger, logger as webLogger } from "~/server/logger";
import { smtpTransport } from "~/server/mail/transport";
import { newClientIp } from "../tooling/app-client";
import { parseCommandLine, wholeNumber } from "./command-line";
import { percentile } from "../tooling/percentiles";
import { migrateDeploy } from "../tooling/prisma-cli";
import { SmtpInbox } from "../tests/support/smtp-inbox";
import { database, runBench } from "./stack";
import { machine, ms, table } from "./table";

const USAGE = `npm run bench:reset-timing -- [options]

  --rounds N           timed rounds, each a registered and an unknown address (default 50)
  --warmup N           rounds before those, not timed (default 10)
  --postgres URL       make the run's fresh database on this PostgreSQL server (e.g.
                       postgresql://postgres@127.0.0.1:5432/postgres) and drop it at the end;
                       else DATABASE_URL as it is, else a throwaway embedded PostgreSQL
  -h, --help           this text`;

const options = parseCommandLine("bench:reset-timing", USAGE, {
  options: {
    rounds: { type: "string", default: "50" },
    warmup: { type: "string", default: "10" },
    postgres: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
const ROUNDS = wholeNumber("bench:reset-timing", USAGE, "rounds", options.rounds);
const WARMUP = wholeNumber("bench:reset-timing", USAGE, "warmup", options.warmup, 0);
const BASE_URL = "http://localhost:3000";

await runBench(main);

async function main(): Promise<void> {
  const databaseUrl = await database(options.postgres);
  process.stdout.write(await migrateDeploy(databaseUrl));
  const db = createPrismaClient(databaseUrl);
  const inbox = await SmtpInbox.start();
  // Quiet: the mailer logs every mail at info (its logger is the web tier's);
  // the bench prints its own table.
  webLogger.level = "silent";
  const auth = createAuth({
    db,
    secret: randomBytes(32).toString("base64"),
    baseURL: BASE_URL,
    workerTokenTtl: 900,
    keyGracePeriod: 3_600,
    trustedProxyHops: 1,
    requireEmailVerification: true,
    logger: createLogger("silent"),
    mail: { transport: smtpTransport(inbox.url), from: "Bench <no-reply@example.test>" },
  });

  try {
    const post = async (path: string, body: unknown) => {
      const started = performance.now();
      const response = await auth.handler(
        new Request(`${BASE_URL}/api/auth${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: BASE_URL, "x-forwarded-for": newClientIp() },
          body: JSON.stringify(body),
        }),
      );
      const text = await response.text();
      return { status: response.status, text, ms: performance.now() - started };
    };
    /** Waits until `count` mails have arrived in all, then a moment for the sender's last writes. */
    const settled = async (count: number) => {
      const deadline = performance.now() + 10_000;
      while (inbox.received.length < count) {
        if (performance.now() > deadline) throw new Error(`expected ${count} mails, ${inbox.received.length} arrived`);
        await sleep(1);
      }
      await sleep(5);
    };

    const total = WARMUP + ROUNDS;
    console.log(`Signing up ${total} accounts (each mails a verification link)…`);
    const known: string[] = [];
    for (let n = 0; n < total; n++) {
      const email = `known-${n}-${randomBytes(4).toString("hex")}@example.test`;
      const answer = await post("/sign-up/email", {
        name: "Bench",
        email,
        password: randomBytes(18).toString("base64url"),
      });
      if (answer.status !== 200) throw new Error(`sign-up failed: HTTP ${answer.status} ${answer.text}`);
      known.push(email);
    }
    await settled(total);

    console.log(`Timing ${WARMUP} + ${ROUNDS} rounds (the first ${WARMUP} not counted)…`);
    const times = { known: [] as number[], unknown: [] as number[] };
    const answers = new Set<string>();
    let mails = inbox.received.length;
    for (let round = 0; round < total; round++) {
      const pair = [
        ["known", known[round]!],
        ["unknown", `nobody-${round}-${randomBytes(4).toString("hex")}@example.test`],
      ] as const;
      for (const [kind, email] of round % 2 === 0 ? pair : [...pair].reverse()) {
        const answer = await post("/request-password-reset", { email, redirectTo: "/reset-password" });
        answers.add(`${answer.status} ${answer.text}`);
        if (kind === "known") mails++;
        await settled(mails);
        if (round >= WARMUP) times[kind].push(answer.ms);
      }
    }

    const row = (label: string, values: number[]) => [
      label,
      ms(percentile(values, 50)),
      ms(percentile(values, 90)),
      ms(Math.min(...values)),
      ms(Math.max(...values)),
    ];
    const ratio = (p: number) => (percentile(times.known, p) / percentile(times.unknown, p)).toFixed(2);
    const { z, p } = mannWhitney(times.known, times.unknown);
    console.log(`
/request-password-reset, ${ROUNDS} requests per kind, interleaved (alternating order), one at a time:
${table([
  ["address", "median", "p90", "min", "max"],
  row("registered", times.known),
  row("no account", times.unknown),
  ["known / unknown", ratio(50), ratio(90)],
])}
Mann-Whitney U (are the two sets of times from one distribution?): z = ${z.toFixed(2)}, two-sided p = ${p.toFixed(3)}
Distinct answers (status and body): ${answers.size}${answers.size === 1 ? "" : ` — ${[...answers].join(" | ")}`}
Reset mails received: ${inbox.received.length - total} (one per registered address).

Run on ${new Date().toISOString()}.
${machine()}`);
  } finally {
    await inbox.stop();
    await db.$disconnect();
  }
}

/**
 * Mann-Whitney U of `a` against `b`, with the normal approximation (fine
 * from ~20 per side): z > 0 when `a` tends to be larger. Ties get mid-ranks;
 * the tie correction is left out (times in microseconds rarely tie).
 */
function mannWhitney(a: number[], b: number[]): { z: number; p: number } {
  const all = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))].sort(
    (x, y) => x.value - y.value,
  );
  let rankSumA = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.value === all[i]!.value) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.fromA) rankSumA += midRank;
    i = j + 1;
  }
  const [n1, n2] = [a.length, b.length];
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const z = (u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return { z, p: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26, error < 1.5e-7). */
function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
