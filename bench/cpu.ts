/**
 * CPU time from Linux's /proc, for a bench to say what a measurement cost a
 * process and the machine. Elsewhere every reading is undefined.
 */
import { readFileSync } from "node:fs";

// /proc counts CPU time in clock ticks, 100 per second on Linux.
const TICKS_PER_SECOND = 100;

/** CPU seconds so far: this process, the server, and the whole machine's idle time. */
export interface CpuSample {
  at: number;
  generator?: number;
  server?: number;
  idle?: number;
}

/** Shares of one core over the time between two samples; on n cores they add up to n × 100 % with other processes. */
export type CpuShares = Omit<CpuSample, "at">;

export function sampleCpu(serverPid: number | undefined): CpuSample {
  return {
    at: performance.now(),
    generator: processCpuSeconds(process.pid),
    server: processCpuSeconds(serverPid),
    idle: idleCpuSeconds(),
  };
}

export function cpuShares(before: CpuSample, after: CpuSample): CpuShares {
  const wall = (after.at - before.at) / 1000;
  const share = (key: keyof CpuShares) => {
    const [start, end] = [before[key], after[key]];
    return start === undefined || end === undefined ? undefined : (end - start) / wall;
  };
  return { generator: share("generator"), server: share("server"), idle: share("idle") };
}

/** User + system CPU seconds `pid` has used, in steps of 10 ms. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  const stat = readProc(`/proc/${String(pid)}/stat`);
  if (stat === undefined) return undefined;
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function idleCpuSeconds(): number | undefined {
  // "cpu  user nice system idle iowait …", summed over all cores.
  const fields = readProc("/proc/stat")?.split("\n", 1)[0]?.trim().split(/\s+/);
  return fields ? (Number(fields[4]) + Number(fields[5])) / TICKS_PER_SECOND : undefined;
}

/** A file of /proc, or undefined where there is none (not Linux, or the process is gone). */
export function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
