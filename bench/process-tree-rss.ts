/**
 * The resident memory of a process and of every process under it, summed,
 * read from /proc every SAMPLE_EVERY_MS while work runs: the worker's OCR
 * happens in its reader processes (and their pdftoppm), which a reading of
 * the worker's own pid misses (peak-rss.ts watches one process). The sum
 * counts the pages they share (node's binary, its libraries) once per
 * process, so it is the upper bound of what the tree holds.
 */
import { readdirSync } from "node:fs";

import { rssOf } from "../load/memory";
import { readProc } from "./cpu";

// Coarser than peak-rss.ts's 50 ms: each sample reads every process's stat file, and OCR's memory moves over seconds.
const SAMPLE_EVERY_MS = 100;

export interface TreeRss {
  /** The largest sum of one sample, bytes. */
  peak?: number;
  /** The sum when watching began. */
  before?: number;
  /** How many processes the tree had at its peak. */
  processesAtPeak: number;
  /** The root process's own largest sample. */
  rootPeak?: number;
  /** The largest sample of any one process under the root (a reader). */
  childPeak?: number;
  samples: number;
}

/** Watches the tree under `pid` while `work` runs. */
export async function treeRssDuring<T>(
  pid: number | undefined,
  work: () => Promise<T>,
): Promise<{ result: T; rss: TreeRss }> {
  const rss: TreeRss = { processesAtPeak: 0, samples: 0 };
  if (pid === undefined) return { result: await work(), rss };
  const sample = () => {
    const readings = [pid, ...descendantsOf(pid)]
      .map((member) => ({ member, bytes: rssOf(member) }))
      .filter((reading): reading is { member: number; bytes: number } => reading.bytes !== undefined);
    if (readings.length === 0) return;
    const sum = readings.reduce((total, reading) => total + reading.bytes, 0);
    rss.before ??= sum;
    rss.samples++;
    if (sum > (rss.peak ?? 0)) {
      rss.peak = sum;
      rss.processesAtPeak = readings.length;
    }
    for (const { member, bytes } of readings) {
      if (member === pid) rss.rootPeak = Math.max(rss.rootPeak ?? 0, bytes);
      else rss.childPeak = Math.max(rss.childPeak ?? 0, bytes);
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  try {
    return { result: await work(), rss };
  } finally {
    clearInterval(timer);
    sample();
  }
}

/** Every process under `root`, found from each process's parent in /proc/<pid>/stat. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (!stat) continue;
    // The command name (field 2) is in parentheses and may hold spaces or ")": the fields after its last ")" are plain.
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const siblings = children.get(parent) ?? [];
    siblings.push(Number(entry));
    children.set(parent, siblings);
  }
  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
