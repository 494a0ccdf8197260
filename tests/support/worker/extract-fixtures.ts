/** What the extraction tests share: the committed fixtures, and the failure an extraction rejects with. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

import { expect } from "vitest";

import { ExtractionFailed } from "../../../src/worker/documents/extract/errors";
import type { PdfExtractor } from "../../../src/worker/documents/extract/pdf";

const hasPdftotext = spawnSync("pdftotext", ["-v"]).error === undefined;

/**
 * The PDF extractors a test runs each case with: pdf.js always, pdftotext
 * where poppler-utils is installed, and under CI, which installs it (a
 * missing one fails there).
 */
export const PDF_EXTRACTORS: Exclude<PdfExtractor, "auto">[] =
  hasPdftotext || process.env.CI ? ["pdftotext", "pdf.js"] : ["pdf.js"];

/** A file of src/worker/documents/extract/fixtures (README.md there says what made each). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(
    readFileSync(new URL(`../../../src/worker/documents/extract/fixtures/${name}`, import.meta.url)),
  );
}

/** The ExtractionFailed `promise` rejects with; fails the test if it resolves or rejects otherwise. */
export async function failure(promise: Promise<unknown>): Promise<ExtractionFailed> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExtractionFailed);
  return error as ExtractionFailed;
}
