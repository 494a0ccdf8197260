/**
 * The documents benchmark's corpus, made at bench time by the programs that
 * make such files in real life, so the extractors meet what users upload:
 * PDFs printed by Chromium (Skia's PDF writer, subset fonts, compressed
 * streams), DOCX and HTML written by pandoc, Markdown and plain text as
 * people type them. Nothing is committed; the text is seeded
 * (documents-text.ts), so two runs upload the same documents.
 *
 * Also one large PDF for the memory row: a few hundred pages of text, each
 * with an incompressible picture (random pixels on a canvas) to bring the
 * file near the 25 MB upload limit the way scanned or illustrated reports
 * get there.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Browser } from "playwright-core";

import { launchChromium } from "../tests/e2e/browser";
import { TextGenerator } from "./documents-text";

export type CorpusKind = "pdf" | "docx" | "html" | "markdown" | "text";

export interface CorpusFile {
  path: string;
  /** What it is uploaded as (x-file-name). */
  name: string;
  kind: CorpusKind;
  bytes: number;
  /** PDFs: the pages it was printed with. */
  pages?: number;
}

export interface Corpus {
  files: CorpusFile[];
  /** The large PDF, uploaded on its own for the memory row; undefined when there is no Chromium. */
  large?: CorpusFile;
  /** What could not be made and why (a missing program), to print with the results. */
  skipped: string[];
}

/** Pages of the corpus's PDFs: short memos to long reports. */
const PDF_PAGES = [5, 8, 12, 16, 20, 25, 30, 36, 42, 50];
/** Documents of each other kind. */
const PER_KIND = 6;
/** The large PDF: pages, and the side of each page's picture in pixels (160² RGB ≈ 77 KB, so ≈ 80 KB a page). */
const LARGE_PDF = { pages: 300, pictureSide: 160 };
/** The worker's default upload limit (WORKER_MAX_UPLOAD_MB=25, decimal): the large PDF must stay under it. */
const UPLOAD_LIMIT_BYTES = 25_000_000;
/** Characters of prose on one printed page: fits an A4 page at 11 pt with its heading. */
const PAGE_CHARS = { min: 2_200, max: 2_900 };

export async function makeCorpus(dir: string, { large = true }: { large?: boolean } = {}): Promise<Corpus> {
  await mkdir(dir, { recursive: true });
  const text = new TextGenerator(20261201);
  const skipped: string[] = [];
  const files: CorpusFile[] = [];

  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
  } catch (error) {
    skipped.push(`PDFs: Chromium did not start (${(error as Error).message.split("\n", 1)[0]})`);
  }
  let largeFile: CorpusFile | undefined;
  try {
    if (browser) {
      for (const [index, pages] of PDF_PAGES.entries()) {
        const file = path.join(dir, `report-${index + 1}.pdf`);
        await printPdf(browser, pagedHtml(text, pages), file);
        files.push(await described(file, "pdf", pages));
      }
      if (large) largeFile = await makeLargePdf(browser, text, path.join(dir, "large.pdf"));
    }
  } finally {
    await browser?.close();
  }

  const markdown = Array.from({ length: PER_KIND * 3 }, () => markdownDocument(text));
  if (hasProgram("pandoc", ["--version"])) {
    // Two at a time: the machine has two cores, and pandoc is single-threaded.
    const jobs = markdown.slice(0, PER_KIND * 2).map((source, index) => async () => {
      const kind = index < PER_KIND ? "docx" : "html";
      const file = path.join(dir, `${kind === "docx" ? "memo" : "page"}-${(index % PER_KIND) + 1}.${kind}`);
      await pandoc(source, kind, file);
      files.push(await described(file, kind));
    });
    await inParallel(jobs, 2);
  } else {
    skipped.push("DOCX and HTML: pandoc is not installed (apt-get install -y pandoc)");
  }
  for (const [index, source] of markdown.slice(PER_KIND * 2).entries()) {
    const file = path.join(dir, `notes-${index + 1}.md`);
    await writeFile(file, source.text);
    files.push(await described(file, "markdown"));
  }
  for (let index = 0; index < PER_KIND; index++) {
    const file = path.join(dir, `log-${index + 1}.txt`);
    const paragraphs = Array.from({ length: text.between(20, 80) }, () => text.paragraph());
    await writeFile(file, `${paragraphs.join("\n\n")}\n`);
    files.push(await described(file, "text"));
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return { files, large: largeFile, skipped };
}

/** Whether `program` runs here (it is installed and on PATH). */
export function hasProgram(program: string, args: string[]): boolean {
  return spawnSync(program, args, { stdio: "ignore" }).error === undefined;
}

async function described(file: string, kind: CorpusKind, pages?: number): Promise<CorpusFile> {
  return {
    path: file,
    name: path.basename(file),
    kind,
    bytes: (await stat(file)).size,
    ...(pages === undefined ? {} : { pages }),
  };
}

/** HTML with exactly `pages` printed pages: each page's prose fits on one, and each ends with a page break. */
function pagedHtml(text: TextGenerator, pages: number, picture?: { side: number }): string {
  const body = Array.from({ length: pages }, (_, page) => {
    const heading = page === 0 ? `<h1>${text.title(5)}</h1>` : `<h2>${page + 1}. ${text.title()}</h2>`;
    const prose = text.textOfLength(
      picture ? PAGE_CHARS.min / 2 : PAGE_CHARS.min,
      picture ? PAGE_CHARS.max / 2 : PAGE_CHARS.max,
    );
    const paragraphs = prose.split(/(?<=\.) (?=[A-Z])/u).reduce<string[]>((all, sentence, i) => {
      if (i % 4 === 0) all.push(sentence);
      else all.push(`${all.pop()!} ${sentence}`);
      return all;
    }, []);
    const canvas = picture ? `<canvas width="${picture.side}" height="${picture.side}"></canvas>` : "";
    return `<section>${heading}${paragraphs.map((p) => `<p>${p}</p>`).join("")}${canvas}</section>`;
  }).join("\n");
  // Random pixels, drawn in the page: Chromium prints a canvas as a Flate-compressed image, which noise does not shrink.
  const noise = picture
    ? `<script>let s = 7; for (const c of document.querySelectorAll("canvas")) { const x = c.getContext("2d"); const d = x.createImageData(c.width, c.height);
       for (let i = 0; i < d.data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; d.data[i] = i % 4 === 3 ? 255 : s >>> 24; } x.putImageData(d, 0, 0); }</script>`
    : "";
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { font: 11pt/1.4 "DejaVu Serif", serif; margin: 0; }
    section { break-after: page; } section:last-child { break-after: auto; }
    canvas { width: 5cm; height: 5cm; display: block; }
  </style></head><body>${body}${noise}</body></html>`;
}

async function printPdf(browser: Browser, html: string, file: string): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.setContent(html);
    await page.pdf({ path: file, format: "A4", margin: { top: "2cm", bottom: "2cm", left: "2cm", right: "2cm" } });
  } finally {
    await page.close();
  }
}

async function makeLargePdf(browser: Browser, text: TextGenerator, file: string): Promise<CorpusFile> {
  await printPdf(browser, pagedHtml(text, LARGE_PDF.pages, { side: LARGE_PDF.pictureSide }), file);
  const described_ = await described(file, "pdf", LARGE_PDF.pages);
  if (described_.bytes > UPLOAD_LIMIT_BYTES) {
    throw new Error(
      `the large PDF came out at ${described_.bytes} bytes, over the ${UPLOAD_LIMIT_BYTES}-byte upload limit: lower LARGE_PDF.pages`,
    );
  }
  return described_;
}

interface MarkdownSource {
  title: string;
  text: string;
}

/** A document with headings, paragraphs, a list and a table now and then, as people write them. */
function markdownDocument(text: TextGenerator): MarkdownSource {
  const title = text.title(4);
  const parts = [`# ${title}`, text.paragraph()];
  for (let section = 0; section < text.between(4, 14); section++) {
    parts.push(`## ${text.title()}`);
    for (let paragraph = 0; paragraph < text.between(2, 6); paragraph++) parts.push(text.paragraph());
    if (text.random() < 0.3)
      parts.push(Array.from({ length: text.between(3, 6) }, () => `- ${text.sentence()}`).join("\n"));
    if (text.random() < 0.15) {
      const row = () => `| ${text.title(1)} | ${text.between(1, 9999)} | ${text.title(2)} |`;
      parts.push(
        ["| Item | Count | Note |", "| --- | --- | --- |", ...Array.from({ length: text.between(3, 8) }, row)].join(
          "\n",
        ),
      );
    }
  }
  return { title, text: `${parts.join("\n\n")}\n` };
}

function pandoc(source: MarkdownSource, kind: "docx" | "html", file: string): Promise<void> {
  const args = [
    "--from",
    "markdown",
    "--to",
    kind,
    "--output",
    file,
    ...(kind === "html" ? ["--standalone", "--metadata", `title=${source.title}`] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("pandoc", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`pandoc ${args.join(" ")} failed (${String(code)}): ${stderr}`)),
    );
    child.stdin.end(source.text);
  });
}

/** Runs `jobs`, at most `width` at a time. */
export async function inParallel(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: width }, lane));
}
