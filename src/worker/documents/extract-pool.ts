/**
 * Documents are read (extracted and chunked) by a pool of child processes
 * running extract-thread.ts, not on the thread that answers calls and
 * refreshes the job queue's heartbeat: a 300-page PDF or a large Word
 * document there held every call behind its next page. The database writes
 * stay with the caller.
 *
 * Each reader has a heap limit and each document a time limit. A document
 * past either ends its reader, not the worker: it fails like any document
 * that cannot be read (ExtractionFailed, so no retry, which would meet the
 * same limit), and the next one gets a new reader. Processes, not threads:
 * a worker thread's heap limit is best effort (nodejs/node#47224), and one
 * test run in five saw V8's out-of-memory abort take the whole process down.
 * The bytes cross by Node's structured-clone IPC ("advanced" serialization),
 * one copy, which is cheap next to reading them.
 *
 * workerpool, not piscina: piscina starts its threads from a worker.js of
 * its own beside its code, which the bundled worker (one file, no
 * node_modules) does not have; workerpool starts them from our entry.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import workerpool from "workerpool";

import type { Chunk } from "./extract/chunk";
import { formatDuration } from "./extract/duration";
import { ExtractionFailed } from "./extract/errors";
import { DEFAULT_OCR_SETTINGS, type OcrSettings } from "./extract/ocr/settings";
import type { DocumentKind, ExtractionProgress, OcrOutcome } from "./extract/types";
import type { ExtractThreadMethods, ThreadProgress } from "./extract-thread";

export interface ExtractPoolOptions {
  /** Documents read at once; more wait for a reader. */
  threads: number;
  /** Each reader's JavaScript heap (old generation), in MB. */
  memoryMb: number;
  /** The longest one document may be read, from when a thread takes it; a PDF or an image has OCR's time for a document on top. */
  timeoutMs: number;
  /** How OCR may run (the worker's OCR_* settings); DEFAULT_OCR_SETTINGS when not given. */
  ocr?: OcrSettings;
  /** Readers end after this long without a document, giving their memory back; the next document starts them again. */
  idleMs?: number;
  /**
   * What a reader printed (V8's out-of-memory report, a library's warning),
   * so that it reaches the worker's JSON log as a field, not as raw lines.
   */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

/** What a document's reading gives the ingestion: its chunks, its page or section count, and what OCR read. */
export interface DocumentChunks {
  chunks: Chunk[];
  pages?: number;
  sections?: number;
  /** Present when pages were OCR'd (an image, a scan): with the page images to store. */
  ocr?: OcrOutcome;
}

export interface ExtractPool {
  /**
   * The document's chunks; throws ExtractionFailed when it cannot be read,
   * within the limits too.
   */
  read(
    bytes: Uint8Array,
    kind: DocumentKind,
    onProgress?: ExtractionProgress,
    /**
     * Ends the reading when aborted (the document was deleted): its reader
     * process is ended with it, OCR and all, and read() rejects with the
     * signal's reason.
     */
    signal?: AbortSignal,
  ): Promise<DocumentChunks>;
  /** Ends the readers; a document being read fails (its job is retried, as after any stop). */
  close(): Promise<void>;
}

const DEFAULT_IDLE_MS = 60_000;
/** How long close() waits for the readers to exit. */
const CLOSE_WAIT_MS = 2_000;

export function createExtractPool({
  threads,
  memoryMb,
  timeoutMs,
  ocr = DEFAULT_OCR_SETTINGS,
  idleMs = DEFAULT_IDLE_MS,
  onOutput = (stream, text) => void process[stream].write(text),
}: ExtractPoolOptions): ExtractPool {
  let pool: workerpool.Pool | undefined;
  let reading = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const start = () =>
    workerpool.pool(READER.script, {
      workerType: "process",
      maxWorkers: threads,
      emitStdStreams: true,
      forkOpts: {
        execArgv: [...READER.execArgv, `--max-old-space-size=${String(memoryMb)}`],
        serialization: "advanced",
      },
    });

  return {
    async read(bytes, kind, onProgress, signal) {
      signal?.throwIfAborted();
      clearTimeout(idleTimer);
      reading++;
      pool ??= start();
      // Progress is written by the caller to the database: one write at a
      // time, in order, and its failure is the run's once reading is done.
      let progress = Promise.resolve();
      let progressFailure: { error: unknown } | undefined;
      const on = (event: ThreadProgress | { stdout: string } | { stderr: string }) => {
        if ("stdout" in event) return onOutput("stdout", event.stdout);
        if ("stderr" in event) return onOutput("stderr", event.stderr);
        const { done, total, reading: page } = event;
        progress = progress
          .then(() => onProgress?.(done, total, page))
          .catch((error: unknown) => void (progressFailure ??= { error }));
      };
      // OCR takes seconds a page: a document it may read gets its time on top.
      const limitMs = kind === "pdf" || kind === "image" ? timeoutMs + ocr.documentTimeoutMs : timeoutMs;
      const task = pool.exec<ExtractThreadMethods["read"]>("read", [bytes, kind, ocr], { on }).timeout(limitMs);
      // Cancelling the task ends its reader process (workerpool terminates a
      // worker whose task is cancelled), and the recogniser's thread in it.
      const cancel = () => void task.cancel();
      signal?.addEventListener("abort", cancel, { once: true });
      try {
        const answer = await task;
        await progress;
        if (progressFailure) throw progressFailure.error;
        if (!answer.ok) throw new ExtractionFailed(answer.code, answer.reason);
        return { chunks: answer.chunks, pages: answer.pages, sections: answer.sections, ocr: answer.ocr };
      } catch (error) {
        await progress;
        if (signal?.aborted) throw signal.reason;
        throw limitFailure(error, limitMs) ?? error;
      } finally {
        signal?.removeEventListener("abort", cancel);
        if (--reading === 0) {
          idleTimer = setTimeout(() => {
            const idle = pool;
            pool = undefined;
            void idle?.terminate();
          }, idleMs).unref();
        }
      }
    },
    async close() {
      clearTimeout(idleTimer);
      const closing = pool;
      pool = undefined;
      // terminate(true) kills the readers, then waits for each one's exit
      // event, which never comes for a reader that is gone already: one that
      // died of the same SIGTERM as the worker (sent to the process group,
      // as a supervisor or a test harness does) held the worker's shutdown
      // until the worker itself was killed.
      await Promise.race([closing?.terminate(true), sleep(CLOSE_WAIT_MS)]);
    },
  };
}

const SPLIT_ADVICE = "Split it into smaller files, or save it again in a simpler form, and upload those.";

/** The document's failure when its reader was ended for it, or ended by it; undefined for any other error. */
function limitFailure(error: unknown, timeoutMs: number): ExtractionFailed | undefined {
  if (error instanceof workerpool.Promise.TimeoutError) {
    return new ExtractionFailed(
      "exceeds_time",
      `Reading the document took longer than ${formatDuration(timeoutMs)}: it is too long or too complex to process. ${SPLIT_ADVICE}`,
      { cause: error },
    );
  }
  // V8 aborts a process past its heap limit; workerpool says the reader
  // ended unexpectedly. Any end of a reader while it read this document is
  // this document's doing.
  if (error instanceof Error && error.message.includes("Worker terminated Unexpectedly")) {
    return new ExtractionFailed(
      "exceeds_memory",
      `Reading the document needed more memory than one document may take: it is too large or too complex to process. ${SPLIT_ADVICE}`,
      { cause: error },
    );
  }
  return undefined;
}

/**
 * The reader's entry. Bundled, extract-thread.mjs beside the worker's own
 * file (scripts/build.ts). From source, extract-thread.ts with tsx's loader.
 */
const READER = (() => {
  const fromSource = import.meta.url.endsWith(".ts");
  const script = fileURLToPath(new URL(fromSource ? "./extract-thread.ts" : "./extract-thread.mjs", import.meta.url));
  return { script, execArgv: fromSource ? ["--import", "tsx"] : [] };
})();
