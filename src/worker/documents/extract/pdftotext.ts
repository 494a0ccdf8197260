import { hasPoppler, runPoppler } from "./poppler-run";

/**
 * Poppler's pdftotext, where the machine has it (Debian: poppler-utils):
 * C++, 3-5 times faster than pdf.js per page on PDFs that TeX or FOP made
 * (docs/decisions/0023-pdftotext-first-pdfjs-as-fallback.md), in a process
 * of its own (poppler-run.ts). Anything it cannot read is left to pdf.js,
 * which says why.
 */

const PROGRAM = "pdftotext";
// -q: no messages on stderr (nobody reads them; the exit code says enough).
// The PDF on stdin, the text on stdout: the original is in memory, not in a file.
const ARGS = ["-q", "-enc", "UTF-8", "-eol", "unix", "-", "-"];

export interface PdftotextLimits {
  /** Longest run before the process is killed (default 2 minutes). */
  timeoutMs?: number;
  /** Most text it may write before it is killed (default 100 MB). */
  maxOutputBytes?: number;
}

/** Whether pdftotext runs here. */
export function hasPdftotext(): Promise<boolean> {
  return hasPoppler(PROGRAM);
}

/**
 * Each page's text (blank pages as ""), or undefined when pdftotext did not
 * read the file: not installed, a password, damage, a crash, over a limit.
 */
export async function pdftotextPages(bytes: Uint8Array, limits: PdftotextLimits = {}): Promise<string[] | undefined> {
  const { timeoutMs = 120_000, maxOutputBytes = 100_000_000 } = limits;
  const text = await runPoppler(PROGRAM, ARGS, { timeoutMs, maxOutputBytes, input: bytes });
  if (text === undefined) return undefined;
  // A form feed ends every page, the last one too.
  const pages = text.toString("utf8").split("\f");
  pages.pop();
  return pages;
}
