import { setImmediate as yieldToEventLoop } from "node:timers/promises";

import "./dom-matrix";
// pdf.js parses in a "fake worker" on this thread when its worker module is
// already loaded (it sets globalThis.pdfjsWorker). Importing it statically is
// what lets esbuild inline it: pdf.js would otherwise import() a file path
// that does not exist in the bundled worker.
import "pdfjs-dist/legacy/build/pdf.worker.mjs";
import { getDocument, VerbosityLevel } from "pdfjs-dist/legacy/build/pdf.mjs";

import { cleanText } from "./clean";
import { ExtractionFailed } from "./errors";
import { pageText } from "./letter-spacing";
import { DAMAGED } from "./pdf-failures";
import type { ExtractedUnit, ExtractionProgress } from "./types";

/**
 * A PDF's text layer by pdf.js, one unit per page that has text (none for a
 * scan: pdf.ts decides what that means), and its page count. Yields to the event
 * loop between pages: parsing runs on the worker's only thread, which also
 * answers its HTTP requests. (pdf.js also breaks its own parsing into 20 ms
 * slots today; the yield here does not rely on that staying so.)
 */
export function extractPdfWithPdfjs(
  bytes: Uint8Array,
  onProgress?: ExtractionProgress,
): Promise<{ units: ExtractedUnit[]; pages: number }> {
  return readPages(bytes, undefined, onProgress);
}

/** Only these pages (numbers from 1) by pdf.js: the units of those that have text. */
export async function pdfjsPages(bytes: Uint8Array, numbers: readonly number[]): Promise<ExtractedUnit[]> {
  return (await readPages(bytes, numbers)).units;
}

async function readPages(
  bytes: Uint8Array,
  numbers: readonly number[] | undefined,
  onProgress?: ExtractionProgress,
): Promise<{ units: ExtractedUnit[]; pages: number }> {
  const task = getDocument({
    // A copy, and a plain Uint8Array (pdf.js refuses Buffers): pdf.js detaches the buffer it is given.
    data: new Uint8Array(bytes),
    // No fonts, CMaps or WebAssembly fetched from anywhere: none is needed for
    // the text layer. (Nothing is compiled from the file either: pdf.js 5.7
    // dropped its eval paths, and with useWasm off it interprets PostScript
    // functions instead of compiling them to WebAssembly.)
    disableFontFace: true,
    useSystemFonts: false,
    useWasm: false,
    useWorkerFetch: false,
    stopAtErrors: false,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    let document;
    try {
      document = await task.promise;
    } catch (cause) {
      throw openFailure(cause);
    }
    const units: ExtractedUnit[] = [];
    const all = Array.from({ length: document.numPages }, (_, index) => index + 1);
    for (const number of numbers?.filter((n) => n <= document.numPages) ?? all) {
      await yieldToEventLoop();
      let text: string;
      try {
        const page = await document.getPage(number);
        const content = await page.getTextContent();
        text = pageText(content.items);
        page.cleanup();
      } catch (cause) {
        throw new ExtractionFailed("damaged", `${DAMAGED} (Page ${number} cannot be read.)`, { cause });
      }
      const cleaned = cleanText(text);
      if (cleaned) units.push({ page: number, text: cleaned });
      await onProgress?.(number, document.numPages);
    }
    return { units, pages: document.numPages };
  } finally {
    await task.destroy();
  }
}

function openFailure(cause: unknown): ExtractionFailed {
  const name = cause instanceof Error ? cause.name : "";
  if (name === "PasswordException") {
    return new ExtractionFailed(
      "password_protected",
      "The PDF is password-protected: remove the password and upload again.",
      { cause },
    );
  }
  return new ExtractionFailed("damaged", DAMAGED, { cause });
}
