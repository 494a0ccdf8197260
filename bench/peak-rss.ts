/**
 * A process's peak resident memory over a stretch of work, read from
 * outside: VmRSS sampled every 50 ms (load/memory.ts's rssOf), and Linux's
 * own high-water mark, VmHWM, reset at the start through
 * /proc/<pid>/clear_refs so that it covers the stretch only. The mark sees
 * a peak shorter than the sampling interval (a buffer copied and dropped at
 * once); the samples still give a figure where clear_refs is not allowed.
 */
import { writeFileSync } from "node:fs";

import { rssOf } from "../load/memory";
import { readProc } from "./cpu";

const SAMPLE_EVERY_MS = 50;

export interface PeakRss {
  /** Bytes resident when watching began. */
  before?: number;
  /** Highest VmRSS sample, bytes. */
  sampledPeak?: number;
  /** VmHWM at the end, bytes; undefined when the mark could not be reset (so it would include earlier peaks). */
  highWaterMark?: number;
  samples: number;
}

export class PeakRssWatch {
  private readonly before: number | undefined;
  private peak: number | undefined;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly markReset: boolean;

  constructor(private readonly pid: number) {
    this.before = rssOf(pid);
    this.markReset = resetHighWaterMark(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop(): PeakRss {
    clearInterval(this.timer);
    this.sample();
    return {
      before: this.before,
      sampledPeak: this.peak,
      highWaterMark: this.markReset ? highWaterMarkOf(this.pid) : undefined,
      samples: this.samples,
    };
  }

  private sample(): void {
    const rss = rssOf(this.pid);
    if (rss === undefined) return;
    this.samples++;
    this.peak = Math.max(this.peak ?? 0, rss);
  }
}

/** Watches `pid` while `work` runs. */
export async function peakRssDuring<T>(
  pid: number | undefined,
  work: () => Promise<T>,
): Promise<{ result: T; rss: PeakRss }> {
  if (pid === undefined) return { result: await work(), rss: { samples: 0 } };
  const watch = new PeakRssWatch(pid);
  try {
    return { result: await work(), rss: watch.stop() };
  } catch (error) {
    watch.stop();
    throw error;
  }
}

/** The larger of the two readings: the mark when there is one, which no sample can exceed. */
export function peakOf(rss: PeakRss): number | undefined {
  const readings = [rss.sampledPeak, rss.highWaterMark].filter((value): value is number => value !== undefined);
  return readings.length ? Math.max(...readings) : undefined;
}

// "5" resets the peak RSS to the current RSS (Linux ≥ 4.0, proc(5)); needs the right to ptrace the process, which its parent's user has.
function resetHighWaterMark(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

function highWaterMarkOf(pid: number): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readProc(`/proc/${pid}/status`) ?? "");
  return match ? Number(match[1]) * 1024 : undefined;
}
