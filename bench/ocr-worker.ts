/**
 * Rows 3–5 of the OCR bench, on real workers started from the production
 * build: the scans uploaded over HTTP (every other one as a PNG, the rest
 * as one-page scanned PDFs, so both of the reader's routes run) to a worker
 * with WORKER_EXTRACT_THREADS=1, then to one with =2, each timed from the
 * first upload to the last document seen ready (documents-ingest.ts); over
 * each run, the memory of the worker and of its reader processes together
 * (process-tree-rss.ts) and its `whoami` answers (calls-during.ts). The text
 * the worker stored is checked against each page's text layer too: the
 * recall of the whole path, upload to chunks.
 */
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { signUp, workerToken } from "../tooling/app-client";
import { queryOnce } from "../tests/support/test-database";
import { wordRecall } from "../tests/support/worker/scans";
import { callsDuring, type CallsDuring } from "./calls-during";
import { ingest, warmUp, type IngestRun } from "./documents-ingest";
import type { BenchScan } from "./ocr-scans";
import { treeRssDuring, type TreeRss } from "./process-tree-rss";
import type { Stack } from "./stack";

/** Longest wait for one run's scans to be read before the row fails. */
const RUN_TIMEOUT_MS = 900_000;

export interface Recall {
  found: number;
  words: number;
}

export interface WorkerRun {
  threads: number;
  run: IngestRun;
  rss: TreeRss;
  whoami: CallsDuring;
  /** Of the text the worker stored, per upload format. */
  recall: { png: Recall; pdf: Recall };
}

/**
 * One run per entry of `workers`, each worker started alone (the others
 * stopped, so no other takes its jobs); `threads` is each one's
 * WORKER_EXTRACT_THREADS, as the stack started it.
 */
export async function measureWorkerRuns(
  { webUrl, databaseUrl, workers }: Stack,
  threads: readonly number[],
  scans: readonly BenchScan[],
  workDir: string,
): Promise<WorkerRun[]> {
  const uploads = await Promise.all(
    scans.map(async (scan, index) => {
      const file = index % 2 === 0 ? scan.png : scan.pdf;
      return { path: file, name: path.basename(file), bytes: (await stat(file)).size, scan };
    }),
  );
  const warmUpFile = path.join(workDir, "warm-up.txt");
  await writeFile(
    warmUpFile,
    "A short text that is read before the timed run, so that the worker's job queue is connected.\n",
  );
  const warmUpUpload = { path: warmUpFile, name: "warm-up.txt", bytes: (await stat(warmUpFile)).size };

  const runs: WorkerRun[] = [];
  for (const [index, worker] of workers.entries()) {
    for (const other of workers) if (other !== worker) await other.service.stop();
    if (!worker.service.running) await worker.service.start();
    console.log(`(3–5) ${scans.length} scans to the worker with WORKER_EXTRACT_THREADS=${threads[index]}…`);
    const user = await signUp(webUrl, `ocr-${threads[index]}`);
    const token = await workerToken(webUrl, user.cookie);
    await warmUp(worker.url, token, warmUpUpload);
    const {
      result: { result: run, calls: whoami },
      rss,
    } = await treeRssDuring(worker.service.pid, () =>
      callsDuring(`${worker.url}/trpc/whoami`, { authorization: `Bearer ${token}` }, () =>
        ingest([worker.url], token, databaseUrl, uploads, RUN_TIMEOUT_MS),
      ),
    );
    const stored = await storedText(databaseUrl, user.userId);
    const recall = { png: { found: 0, words: 0 }, pdf: { found: 0, words: 0 } };
    for (const upload of uploads) {
      const format = upload.name.endsWith(".png") ? recall.png : recall.pdf;
      const { words } = upload.scan.scan;
      format.words += words.length;
      format.found += Math.round(wordRecall(words, stored.get(upload.name) ?? "") * words.length);
    }
    runs.push({ threads: threads[index]!, run, rss, whoami, recall });
  }
  return runs;
}

/** Each of the user's documents' stored text, by name. */
async function storedText(databaseUrl: string, userId: string): Promise<Map<string, string>> {
  const rows = await queryOnce<{ name: string; text: string | null }>(
    databaseUrl,
    `SELECT d."name", string_agg(c."content", ' ' ORDER BY c."ordinal") AS text
       FROM "document" d LEFT JOIN "document_chunk" c ON c."documentId" = d."id"
      WHERE d."userId" = $1 GROUP BY d."name"`,
    [userId],
  );
  return new Map(rows.map((row) => [row.name, row.text ?? ""]));
}
