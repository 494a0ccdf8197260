/**
 * Pages of the documentation PDFs Debian packages install, cut at test time:
 * real output of TeX, Texinfo and DocBook toolchains, which no committed
 * fixture of ours could stand for. A test over them is skipped where a PDF
 * (or qpdf, which cuts them) is missing, saying which package installs it,
 * and fails so under CI, which installs them (.ci/run).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

import { it } from "vitest";

const PDFS = {
  nettle: { apt: "nettle-dev", file: "/usr/share/doc/nettle-dev/nettle.pdf" },
  "fontconfig-user": { apt: "fontconfig", file: "/usr/share/doc/fontconfig/fontconfig-user.pdf" },
  libtasn1: { apt: "libtasn1-doc", file: "/usr/share/doc/libtasn1-doc/libtasn1.pdf" },
  gnuplot: { apt: "gnuplot-doc", file: "/usr/share/doc/gnuplot/gnuplot.pdf" },
  "crc-doc": { apt: "zlib1g-dev", file: "/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf" },
  valgrind: { apt: "valgrind", file: "/usr/share/doc/valgrind/valgrind_manual.pdf" },
} as const;

export type DebianPdf = keyof typeof PDFS;

const hasQpdf = spawnSync("qpdf", ["--version"]).status === 0;

/** The installed file: Debian gzips a document or not depending on its size and the release. */
function installed(name: DebianPdf): string | undefined {
  const { file } = PDFS[name];
  return [file, `${file}.gz`].find((candidate) => existsSync(candidate));
}

/** Why these PDFs cannot be cut here, as the apt-get install that fixes it; undefined when they can. */
export function debianPdfsMissing(names: DebianPdf[]): string | undefined {
  const packages: string[] = [...new Set(names.filter((name) => !installed(name)).map((name) => PDFS[name].apt))];
  if (!hasQpdf) packages.push("qpdf");
  if (packages.length === 0) return undefined;
  return `not installed: apt-get install -y ${packages.join(" ")}`;
}

// One directory per test file's run, removed when its process exits.
let directory: string | undefined;
const cut = new Map<string, Promise<Uint8Array>>();

function workDirectory(): string {
  if (!directory) {
    const created = mkdtempSync(path.join(tmpdir(), "debian-pdfs-"));
    directory = created;
    process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  return directory;
}

/** Pages `first` to `last` (from 1) of the PDF, as a PDF of their own; each range is cut once. */
export function debianPdfPages(name: DebianPdf, first: number, last = first): Promise<Uint8Array> {
  const key = `${name}-${first}-${last}`;
  let pages = cut.get(key);
  if (!pages) {
    pages = cutPages(name, first, last, path.join(workDirectory(), `${key}.pdf`));
    cut.set(key, pages);
  }
  return pages;
}

async function cutPages(name: DebianPdf, first: number, last: number, out: string): Promise<Uint8Array> {
  const file = installed(name);
  if (!file) throw new Error(`${name}.pdf ${debianPdfsMissing([name])}`);
  let source = file;
  if (file.endsWith(".gz")) {
    source = path.join(workDirectory(), `${name}.pdf`);
    if (!existsSync(source)) writeFileSync(source, gunzipSync(readFileSync(file)));
  }
  await promisify(execFile)("qpdf", ["--empty", "--pages", source, `${first}-${last}`, "--", out]);
  return new Uint8Array(readFileSync(out));
}

/**
 * A test over Debian's PDFs: run where they are installed, else skipped with
 * the apt-get install that would run it, or under CI failed with it.
 */
export function itWithDebianPdfs(
  title: string,
  names: DebianPdf[],
  test: () => Promise<void>,
  timeoutMs?: number,
): void {
  const missing = debianPdfsMissing(names);
  if (!missing) it(title, test, timeoutMs);
  else if (process.env.CI) {
    it(title, () => {
      throw new Error(`${missing} (CI installs them in .ci/run)`);
    });
  } else it.skip(`${title} (skipped: ${missing})`, test);
}
