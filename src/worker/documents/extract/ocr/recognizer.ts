/**
 * Tesseract (tesseract.js: WebAssembly in a worker thread of this reader
 * process), one instance per process: started on the first page OCR reads
 * (about 0.4 s, loading the language models), then reused by every page of
 * every document this reader takes. A page that takes longer than its limit
 * ends that instance — WebAssembly cannot be interrupted any other way — and
 * the next page starts a new one.
 */
import { setTimeout as sleep } from "node:timers/promises";

import Tesseract from "tesseract.js";

import { languagesFolder } from "./languages";

export interface Recognition {
  /** The lines Tesseract is sure enough of, in its paragraphs. */
  text: string;
  /** Tesseract's mean word confidence over those lines, 0–100 (0 when there are none). */
  confidence: number;
}

/**
 * Lines Tesseract is less sure of than this (their mean) are left out. On a
 * page of print every line scores 65 or more; on a photo or a pattern with
 * no text every "line" it finds (specks read as letters) scores under 20.
 * Indexed, those would match searches on nothing. By line, not by word: a
 * sure line's unsure words are mostly right still (measured on scanned
 * pages of Debian's manuals: recall 98.7% kept by line, 95.9% by word).
 */
const MIN_LINE_CONFIDENCE = 50;

/** The page took longer than the limit: its recogniser was ended. */
export class PageTimedOut extends Error {
  override readonly name = "PageTimedOut";
}

/**
 * Tesseract did not start (its script or model missing from a broken
 * install, its thread unable to start): a fault of this server, not of the
 * page, and every page would meet it. It fails the run, which is retried.
 */
export class RecognizerUnavailable extends Error {
  override readonly name = "RecognizerUnavailable";
}

/** Tesseract starts in under a second; a start that takes this long is not coming. */
const START_LIMIT_MS = 30_000;

interface Instance {
  languages: string;
  worker: Promise<Tesseract.Worker>;
  /** Rejects when the thread dies (a crash in the WebAssembly, an out-of-memory end). */
  died: Promise<never>;
}

let current: Instance | undefined;

function instance(languages: readonly string[]): Instance {
  const key = languages.join("+");
  if (current?.languages === key) return current;
  void end();
  let reject: (error: Error) => void = () => undefined;
  const died = new Promise<never>((_, rejectDied) => (reject = rejectDied));
  // Only observed when a page is waiting on it.
  died.catch(() => undefined);
  const worker = Tesseract.createWorker(key, Tesseract.OEM.LSTM_ONLY, {
    // A folder on this machine, never a URL: a model missing from it fails, it is not downloaded.
    langPath: languagesFolder(languages),
    gzip: true,
    // Not "write": tesseract.js would otherwise copy each model into the current directory.
    cacheMethod: "none",
    // Without one, tesseract.js throws a failed job's error from its message handler, ending the process.
    errorHandler: () => undefined,
  }).then((created) => {
    const thread = (created as unknown as { worker: NodeJS.EventEmitter }).worker;
    thread.on("error", (error: Error) => reject(error));
    thread.on("exit", () => reject(new Error("the recogniser's thread ended")));
    return created;
  });
  const created: Instance = { languages: key, worker, died };
  current = created;
  // A model that cannot load fails this page; the next one tries again.
  worker.catch(() => {
    if (current === created) current = undefined;
  });
  return created;
}

/** The text and confidence Tesseract reads from one page's image (PNG), within `timeoutMs`. */
export async function recognize(image: Buffer, languages: readonly string[], timeoutMs: number): Promise<Recognition> {
  const used = instance(languages);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PageTimedOut(`longer than ${String(timeoutMs)} ms`)), timeoutMs);
  });
  try {
    const worker = await Promise.race([started(used), used.died]);
    const result = await Promise.race([
      worker.recognize(image, {}, { text: false, blocks: true }),
      used.died,
      timedOut,
    ]);
    return keptWords(result.data.blocks ?? []);
  } catch (error) {
    // Whatever is running in it now belongs to this page: end it so the next page starts clean.
    if (current === used) await end();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The page's text as Tesseract lays it out (a line a line, a blank line between paragraphs), without its unsure lines. */
function keptWords(blocks: readonly Tesseract.Block[]): Recognition {
  let sum = 0;
  let count = 0;
  const paragraphs: string[] = [];
  for (const paragraph of blocks.flatMap((block) => block.paragraphs)) {
    const lines = paragraph.lines.filter((line) => line.confidence >= MIN_LINE_CONFIDENCE && line.words.length > 0);
    for (const word of lines.flatMap((line) => line.words)) {
      sum += word.confidence;
      count++;
    }
    if (lines.length > 0)
      paragraphs.push(lines.map((line) => line.words.map((word) => word.text).join(" ")).join("\n"));
  }
  return { text: paragraphs.join("\n\n"), confidence: count === 0 ? 0 : sum / count };
}

/** The instance's Tesseract once started, or RecognizerUnavailable. */
async function started(used: Instance): Promise<Tesseract.Worker> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      used.worker,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not started after ${String(START_LIMIT_MS)} ms`)), START_LIMIT_MS);
      }),
    ]);
  } catch (cause) {
    throw new RecognizerUnavailable("The OCR engine (tesseract.js) could not be started", { cause });
  } finally {
    clearTimeout(timer);
  }
}

/** Ends the recogniser, if one runs; the next page starts another. */
export async function end(): Promise<void> {
  const ending = current;
  current = undefined;
  if (!ending) return;
  // One that never started has nothing to end, and waiting for it would hold this reader for good.
  const worker = await Promise.race([ending.worker.catch(() => undefined), sleep(1_000).then(() => undefined)]);
  await worker?.terminate();
}
