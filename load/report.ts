/**
 * What `npm run load` prints at the end: per endpoint, the answers by
 * status and the latency of the successful ones; the faults; each process's
 * memory over time; the flat-memory verdict; and what no fault explains.
 */
import { machine, mb, ms, seconds, table, verdict } from "../bench/table";
import { percentiles } from "../tooling/percentiles";
import { refusals } from "./expected";
import type { MemoryReading } from "./memory";
import type { LoadRun } from "./run";
import type { Growth } from "./soak";
import type { Tally } from "./tally";

/** Served at least this share of --rate: the load was as steady as asked. */
const STEADY_SHARE = 0.9;

export function printReport(run: LoadRun, growth: Growth[], unexpected: string[]): void {
  const { options, measured, measuredMs } = run;
  console.log(
    `\nMeasured ${seconds(measuredMs)} after a ${options.warmupSeconds} s warm-up (${run.warmup.requests.toLocaleString("en")} requests); sign-up of ${options.users} users took ${seconds(run.signUpMs)}.`,
  );
  console.log(
    `Latencies are of 2xx answers; every memory sample pauses each process for one full garbage collection.\n`,
  );
  console.log(endpointTable(measured, measuredMs));
  const served = measured.requests / (measuredMs / 1000);
  if (options.rate !== undefined && served < STEADY_SHARE * options.rate) {
    console.log(
      `\nNot steady: the stack served ${served.toFixed(1)} of the ${options.rate} requests/s asked, so users waited on answers and requests queued ` +
        `(see "In flight" below). Heap readings then include the queue: lower --rate for a steady load.`,
    );
  }

  if (options.faults.length > 0) {
    console.log(
      `\nFaults (${options.faults.join(", ")}, every ${options.faultEverySeconds} s): ${run.faults.length} injected`,
    );
    for (const event of run.faults) console.log(`  ${seconds(event.at).padStart(7)}  ${event.what}`);
    if (options.faults.includes("rotate-keys"))
      console.log(`  signing keys seen in the users' tokens: ${run.keys.size}`);
  }

  console.log(`\nMemory: heap after a full GC / RSS, per process (time since the load began)\n`);
  console.log(memoryTable(run));

  console.log(
    `\nHeap growth over the measured time: median of the last third of the samples against the first third${options.soak ? ` (limit ${options.maxGrowthPercent} %)` : ""}\n`,
  );
  console.log(
    table([
      ["Process", "Samples", "Start", "End", "Growth", ...(options.soak ? ["Result"] : [])],
      ...growth.map((row) => [
        row.process,
        String(row.samples),
        Number.isNaN(row.start) ? "-" : mb(row.start),
        Number.isNaN(row.end) ? "-" : mb(row.end),
        row.problem ?? `${row.percent >= 0 ? "+" : ""}${row.percent.toFixed(1)} %`,
        ...(options.soak ? [verdict(row.pass)] : []),
      ]),
    ]),
  );

  const refused = refusals([run.warmup, run.measured]);
  console.log(
    `\nRefused by the web tier with 503 + Retry-After (warm-up included): ${refused.toLocaleString("en")} of ${(run.warmup.requests + run.measured.requests).toLocaleString("en")} requests.`,
  );
  console.log(
    unexpected.length === 0
      ? `\nNo answer that the faults do not explain.`
      : `\nAnswers no fault explains (warm-up included; a timeout is the tool's ${options.requestTimeoutSeconds} s limit):\n  ${unexpected.join("\n  ")}`,
  );
  console.log(`\nRun on ${new Date().toISOString()}.`);
  console.log(machine());
}

function endpointTable(tally: Tally, measuredMs: number): string {
  const rows = [...tally.endpoints].map(([endpoint, endpointTally]) => {
    const { p50, p99 } = percentiles(endpointTally.latencies);
    const answers = [...endpointTally.outcomes]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([outcome, n]) => `${outcome} × ${n.toLocaleString("en")}`)
      .join(", ");
    const latency = (value: number) => (Number.isNaN(value) ? "-" : ms(value));
    return [
      endpoint,
      endpointTally.requests.toLocaleString("en"),
      (endpointTally.requests / (measuredMs / 1000)).toFixed(1),
      latency(p50),
      latency(p99),
      answers,
    ];
  });
  return table([
    ["Endpoint", "Requests", "Per s", "p50", "p99", "Answers"],
    ...rows,
    ["all", tally.requests.toLocaleString("en"), (tally.requests / (measuredMs / 1000)).toFixed(1)],
  ]);
}

function memoryTable(run: LoadRun): string {
  const processes = run.samples[0]?.readings.map((reading) => reading.process) ?? [];
  return table([
    ["Time", "Phase", "In flight", ...processes],
    ...run.samples.map((sample) => [
      seconds(sample.at),
      sample.phase,
      String(sample.inFlight),
      ...processes.map((process) => {
        const reading = sample.readings.find((candidate) => candidate.process === process);
        if (!reading) return "-";
        const { heap, rss } = memoryOf(reading);
        return `${heap} / ${rss}`;
      }),
    ]),
  ]);
}

/** A reading's heap after GC and RSS as text: "?" when missing, with why for the heap. */
export function memoryOf(reading: MemoryReading): { heap: string; rss: string } {
  return {
    heap: reading.heapAfterGc === undefined ? `? (${reading.error ?? "no reading"})` : mb(reading.heapAfterGc),
    rss: reading.rss === undefined ? "?" : mb(reading.rss),
  };
}
