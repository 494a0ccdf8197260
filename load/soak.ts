/**
 * The flat-memory check: under a steady load, after the warm-up, a server
 * process's heap after GC must not keep growing. Its samples from the
 * measured time are split in thirds; the median of the last third is set
 * against the median of the first. Medians, so that one reading taken while
 * a burst of requests was in flight does not decide the verdict either way;
 * thirds, so that both ends stand for minutes of a long soak, not one moment.
 */
import type { MemorySample } from "./memory";

export interface Growth {
  process: string;
  /** Readings compared (heap after GC, bytes). */
  samples: number;
  start: number;
  end: number;
  /** (end − start) / start, in percent. */
  percent: number;
  pass: boolean;
  /** Why there is no verdict, when there is none. */
  problem?: string;
}

/** At least this many readings after the warm-up, or there are no thirds to compare. */
const MIN_SAMPLES = 3;

export function heapGrowth(samples: MemorySample[], maxGrowthPercent: number): Growth[] {
  const measured = samples.filter((sample) => sample.phase === "measured");
  const processes = [...new Set(samples.flatMap((sample) => sample.readings.map((reading) => reading.process)))];
  return processes.map((process) => {
    const readings = measured.map((sample) => sample.readings.find((reading) => reading.process === process));
    const heaps = readings.map((reading) => reading?.heapAfterGc).filter((heap) => heap !== undefined);
    const pids = new Set(readings.map((reading) => reading?.pid));
    const failed: Growth = {
      process,
      samples: heaps.length,
      start: Number.NaN,
      end: Number.NaN,
      percent: Number.NaN,
      pass: false,
    };
    if (pids.size > 1) return { ...failed, problem: "restarted during the measured time" };
    if (heaps.length < readings.length)
      return { ...failed, problem: `${readings.length - heaps.length} of ${readings.length} readings failed` };
    if (heaps.length < MIN_SAMPLES)
      return { ...failed, problem: `${heaps.length} readings after the warm-up, ${MIN_SAMPLES} needed` };
    const third = Math.max(1, Math.floor(heaps.length / 3));
    const start = median(heaps.slice(0, third));
    const end = median(heaps.slice(-third));
    const percent = ((end - start) / start) * 100;
    return { process, samples: heaps.length, start, end, percent, pass: percent <= maxGrowthPercent };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
