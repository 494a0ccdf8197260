/**
 * What the tests give tooling/ocr-probe.mjs and read back: an image of known
 * words, the network guard it runs under, its answer. The bundle test
 * (tooling/ocr-probe.test.ts) runs it bundled from a folder of its own; the
 * containers suite runs its source with the worker image's node, in /app.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import sharp from "sharp";

import { PROJECT_ROOT } from "./build-output";

export const OCR_PROBE_FILE = path.join(PROJECT_ROOT, "tooling/ocr-probe.mjs");

/**
 * `node` flags that preload tooling/offline-guard.mjs, in the main thread and
 * in every worker thread (tesseract.js downloads from its own), as a data: URL
 * so that a container needs no file of ours for it.
 */
export function offlineGuardFlags(): string[] {
  const source = readFileSync(path.join(PROJECT_ROOT, "tooling/offline-guard.mjs"));
  return [`--import=data:text/javascript;base64,${source.toString("base64")}`];
}

/** What the guard writes to stderr for each connection or fetch it refused. */
export const NETWORK_REFUSED = /^NETWORK .*$/m;

/**
 * `text` in black on white, as a PNG: an SVG rendered by sharp (librsvg, with
 * the fonts fontconfig finds). A machine with no font renders nothing, said
 * here rather than as an OCR that read no words.
 */
export async function textImagePng(text: string): Promise<Buffer> {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${40 + text.length * 30}" height="140">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="90" font-family="DejaVu Sans, sans-serif" font-size="48" fill="black">${escaped}</text>`,
    `</svg>`,
  ].join("");
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const { channels } = await sharp(png).stats();
  if (channels[0]!.min > 64)
    throw new Error("sharp rendered no text from the SVG: no font found (apt-get install -y fonts-dejavu-core)");
  return png;
}

export interface OcrProbeResult {
  text: string;
  confidence: number;
  width: number;
  height: number;
  /** Where each package was loaded from. */
  loaded: { tesseract: string; sharp: string; langPath: string };
}

/** The probe's one JSON line, or an error carrying everything it printed. */
export function probeResult(stdout: string, stderr: string): OcrProbeResult {
  const line = stdout.split("\n").find((candidate) => candidate.startsWith("{"));
  if (!line) throw new Error(`the OCR probe printed no result:\n${stdout}\n${stderr}`);
  return JSON.parse(line) as OcrProbeResult;
}
