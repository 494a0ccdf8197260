/**
 * `npm run bench:search-quality`: does search find what is in a document?
 * Measured on real PDFs made by other toolchains (Debian's documentation
 * packages: Texinfo, DocBook, LaTeX), against what poppler's `pdftotext`
 * reads out of the same files:
 *
 *   1. word recall — each distinct word of the document (runs of letters, at
 *      least 3, lower-cased, the search configuration's stop words left out)
 *      searched alone, filtered to the document: the share with at least one
 *      hit. A word pdftotext split at a line-end hyphen counts once, joined,
 *      and is found when the joined form is, or both pieces are (a piece that
 *      is a stop word, which no search can find, counts as found);
 *   2. lines — lines of 6 words or more from the middle 60 % of the pages,
 *      searched over all the user's documents as typed (the right document
 *      and page at rank 1) and in quotes (the right page anywhere on the
 *      first page of results);
 *   3. each document's chunk count and ingestion time.
 *
 * In-process, not over HTTP: the worker's own ingestion job and search
 * query run in this process against a fresh, migrated database (see
 * search-quality-product.ts, the one place that calls them). The database
 * is the one bench/stack.ts's database() gives: made on --postgres's server
 * and dropped at the end, else DATABASE_URL, else a throwaway embedded
 * PostgreSQL. A missed target is printed as MISSED; the exit code is
 * non-zero only when the bench itself could not run.
 *
 *   npm run bench:search-quality
 *   npm run bench:search-quality -- --docs nettle,bzip2 --postgres postgresql://postgres@127.0.0.1:5432/postgres
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

import { errorMessage } from "~/contract/error-message";
import { SEARCH_PAGE_SIZE, searchInput } from "~/contract/document-inputs";
import { migrateDeploy } from "../tooling/prisma-cli";
import { parseCommandLine, usageError } from "./command-line";
import { inParallel } from "./documents-corpus";
import { openProduct, type Ingested, type Product } from "./search-quality-product";
import { cutToLength, documentWords, middleLines, quoted, type PageLine } from "./search-quality-text";
import { database, runBench, workPath } from "./stack";
import { machine, seconds, table } from "./table";
import { DEFAULT_SEARCH_CONFIG } from "~/worker/env";

/** The corpus: Debian's documentation PDFs, gzipped or not as the packages ship them. */
const CORPUS = [
  { key: "nettle", file: "/usr/share/doc/nettle-dev/nettle.pdf.gz" },
  { key: "fontconfig", file: "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz" },
  { key: "libtasn1", file: "/usr/share/doc/libtasn1-doc/libtasn1.pdf" },
  { key: "gnuplot", file: "/usr/share/doc/gnuplot/gnuplot.pdf" },
  { key: "valgrind", file: "/usr/share/doc/valgrind/valgrind_manual.pdf.gz" },
  { key: "zlib-crc", file: "/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz" },
  { key: "bzip2", file: "/usr/share/doc/bzip2/manual.pdf.gz" },
  { key: "shared-mime-info", file: "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf" },
] as const;

const TARGETS = { wordRecall: 0.995, lineRank1: 0.95, quotedLine: 1 };

/** The longest search the contract accepts (searchInput's query). */
const MAX_QUERY_CHARS = searchInput.shape.query.maxLength ?? 200;

const USAGE = `npm run bench:search-quality -- [options]

  --docs LIST         which documents, comma-separated (default: all):
                      ${CORPUS.map((doc) => doc.key).join(", ")}
  --lines N           lines searched per document (default 20)
  --concurrency N     searches in flight at once (default 4)
  --config NAME       the text-search configuration, as WORKER_SEARCH_CONFIG (default ${DEFAULT_SEARCH_CONFIG})
  --postgres URL      make the run's fresh database on this PostgreSQL server (e.g.
                      postgresql://postgres@127.0.0.1:5432/postgres) and drop it at the end;
                      else DATABASE_URL as it is, else a throwaway embedded PostgreSQL
  -h, --help          this text`;

interface Options {
  docs: (typeof CORPUS)[number][];
  lines: number;
  concurrency: number;
  config: string;
  postgres?: string;
}

const options = parseOptions(process.argv.slice(2));
await runBench(main);

function parseOptions(argv: string[]): Options {
  const fail = (message: string): never => usageError("bench:search-quality", USAGE, message);
  const values = parseCommandLine(
    "bench:search-quality",
    USAGE,
    {
      options: {
        docs: { type: "string" },
        lines: { type: "string", default: "20" },
        concurrency: { type: "string", default: "4" },
        config: { type: "string", default: DEFAULT_SEARCH_CONFIG },
        postgres: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    },
    argv,
  );
  const count = (name: string, value: string) => {
    const n = Number(value);
    return Number.isInteger(n) && n >= 1 ? n : fail(`--${name}: "${value}" is not a whole number ≥ 1`);
  };
  const keys = values.docs
    ?.split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  const unknown = keys?.filter((key) => !CORPUS.some((doc) => doc.key === key)) ?? [];
  if (unknown.length)
    fail(`--docs: no document called ${unknown.join(", ")} (known: ${CORPUS.map((doc) => doc.key).join(", ")})`);
  if (!/^[a-z_][a-z0-9_]*$/u.test(values.config)) fail(`--config: "${values.config}" is not a configuration name`);
  return {
    docs: keys ? CORPUS.filter((doc) => keys.includes(doc.key)) : [...CORPUS],
    lines: count("lines", values.lines),
    concurrency: count("concurrency", values.concurrency),
    config: values.config,
    postgres: values.postgres,
  };
}

interface Document {
  key: string;
  /** As uploaded: the file's name without .gz. */
  name: string;
  pdf: Buffer;
  /** pdftotext's pages (form feeds). */
  referencePages: number;
  words: ReturnType<typeof documentWords>;
  /** pdftotext's text, lines joined by single spaces (to tell whether another document has a line). */
  flatText: string;
  /** Chosen once every document is read. */
  lines: PageLine[];
  text: string;
  ingested?: Ingested;
}

interface WordResult {
  words: number;
  /** Searches made: a split word's pieces are searched when its joined form is not found. */
  searches: number;
  misses: string[];
  ms: number;
}

interface LineResult {
  lines: number;
  rank1: number;
  quoted: number;
  /** Each line not found as asked, with what came first instead. */
  misses: { page: number; text: string }[];
}

async function main(): Promise<number> {
  const documents: Document[] = [];
  for (const doc of options.docs) {
    if (!existsSync(doc.file)) {
      console.log(`${doc.key}: ${doc.file} is missing, skipped (is its Debian package installed?)`);
      continue;
    }
    documents.push(await readDocument(doc.key, doc.file));
  }
  if (documents.length === 0) throw new Error("none of the chosen documents is installed");
  // A line another document also has (a licence, a boilerplate paragraph) has no one right page.
  for (const document of documents) {
    const others = documents.filter((other) => other !== document);
    document.lines = middleLines(document.text, options.lines, (line) =>
      others.some((other) => other.flatText.includes(line)),
    );
  }

  const databaseUrl = await database(options.postgres);
  process.stdout.write(await migrateDeploy(databaseUrl));
  // The searches in flight, and one more for the stop words and the rows.
  const product = await openProduct(databaseUrl, {
    searchConfig: options.config,
    connections: options.concurrency + 1,
  });
  try {
    for (const document of documents) {
      process.stdout.write(`Ingesting ${document.name}… `);
      document.ingested = await product.ingest(document.name, document.pdf);
      const { status, chunks, ingestMs, failureReason } = document.ingested;
      console.log(`${status}, ${chunks} chunks in ${seconds(ingestMs)}${failureReason ? ` (${failureReason})` : ""}`);
    }

    const wordResults = new Map<Document, WordResult>();
    const wordsBegin = performance.now();
    for (const document of documents) {
      process.stdout.write(`Searching ${document.name}'s words… `);
      const result = await searchWords(product, document);
      wordResults.set(document, result);
      console.log(`${result.words} words in ${seconds(result.ms)}, ${result.misses.length} not found`);
    }
    const wordsMs = performance.now() - wordsBegin;

    const lineResults = new Map<Document, LineResult>();
    for (const document of documents) lineResults.set(document, await searchLines(product, document));

    report(documents, wordResults, wordsMs, lineResults);
    return 0;
  } finally {
    await product.close();
  }
}

async function readDocument(key: string, file: string): Promise<Document> {
  const name = path.basename(file).replace(/\.gz$/u, "");
  const raw = await readFile(file);
  const pdf = file.endsWith(".gz") ? gunzipSync(raw) : raw;
  const pdfPath = workPath(name);
  await writeFile(pdfPath, pdf);
  let text: string;
  try {
    ({ stdout: text } = await promisify(execFile)("pdftotext", ["-enc", "UTF-8", pdfPath, "-"], {
      maxBuffer: 512 * 1024 * 1024,
    }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error("pdftotext is not installed (apt-get install -y poppler-utils)", { cause: error });
    throw new Error(`pdftotext ${name}: ${errorMessage(error)}`, { cause: error });
  }
  return {
    key,
    name,
    pdf,
    referencePages: text.split("\f").filter((page, index, pages) => index < pages.length - 1 || page.trim()).length,
    words: documentWords(text),
    text,
    flatText: text.replace(/\s+/gu, " "),
    lines: [],
  };
}

/** Each word alone, filtered to the document, options.concurrency at a time. */
async function searchWords(product: Product, document: Document): Promise<WordResult> {
  const begin = performance.now();
  const { words, joined } = document.words;
  const asked = [...new Set([...words, ...[...joined.values()].flatMap((word) => word.pieces)])];
  const stop = await product.stopWords(asked);
  const documentId = document.ingested!.documentId;
  let searches = 0;
  const found = async (word: string) => {
    if (stop.has(word)) return true;
    searches++;
    return (await product.search(word, { documentId, pageSize: 1 })).length > 0;
  };

  const counted = words.filter((word) => !stop.has(word));
  const missed = new Set<string>();
  await inParallel(
    counted.map((word) => async () => {
      if (await found(word)) return;
      const split = joined.get(word);
      if (split && (await found(split.pieces[0])) && (await found(split.pieces[1]))) return;
      missed.add(word);
    }),
    options.concurrency,
  );
  return {
    words: counted.length,
    searches,
    misses: counted.filter((word) => missed.has(word)),
    ms: performance.now() - begin,
  };
}

/** Each line as typed and in quotes, over all the user's documents. */
async function searchLines(product: Product, document: Document): Promise<LineResult> {
  const result: LineResult = { lines: document.lines.length, rank1: 0, quoted: 0, misses: [] };
  const documentId = document.ingested!.documentId;
  const where = (hit: { documentId: string; page: number | null } | undefined) =>
    hit === undefined ? "no hits" : hit.documentId === documentId ? `page ${hit.page ?? "none"}` : "another document";
  await inParallel(
    document.lines.map((line) => async () => {
      const plain = await product.search(cutToLength(line.text, MAX_QUERY_CHARS));
      const right = (hit: { documentId: string; page: number | null }) =>
        hit.documentId === documentId && hit.page === line.page;
      if (plain[0] && right(plain[0])) result.rank1++;
      else
        result.misses.push({
          page: line.page,
          text: `p.${line.page} as typed, rank 1 is ${where(plain[0])}: ${line.text}`,
        });
      const inQuotes = await product.search(quoted(line.text, MAX_QUERY_CHARS), { pageSize: SEARCH_PAGE_SIZE });
      if (inQuotes.some(right)) result.quoted++;
      else
        result.misses.push({
          page: line.page,
          text: `p.${line.page} in quotes, not on the first page (rank 1: ${where(inQuotes[0])}): ${line.text}`,
        });
    }),
    options.concurrency,
  );
  return result;
}

function report(
  documents: Document[],
  wordResults: Map<Document, WordResult>,
  wordsMs: number,
  lineResults: Map<Document, LineResult>,
): void {
  const share = (part: number, whole: number) => (whole === 0 ? undefined : part / whole);
  const pct = (value: number | undefined) => (value === undefined ? "n/a" : `${(value * 100).toFixed(1)} %`);
  const verdict = (value: number | undefined, target: number) =>
    value === undefined ? "n/a" : value >= target ? "met" : "MISSED";
  const figure = (value: number | undefined, target: number) => [
    pct(value),
    `≥ ${pct(target)}`.replace("≥ 100.0 %", "100 %"),
    verdict(value, target),
  ];

  const sum = <T>(results: Map<Document, T>, field: (result: T) => number) =>
    [...results.values()].reduce((total, result) => total + field(result), 0);
  const allWords = sum(wordResults, (result) => result.words);
  const allMisses = sum(wordResults, (result) => result.misses.length);
  const allLines = sum(lineResults, (result) => result.lines);
  const searches = sum(wordResults, (result) => result.searches);

  const rows = documents.map((document) => {
    const ingested = document.ingested!;
    const words = wordResults.get(document)!;
    const lines = lineResults.get(document)!;
    return [
      document.key,
      `${document.referencePages} / ${ingested.pages ?? "–"}`,
      `${ingested.chunks}`,
      seconds(ingested.ingestMs),
      ingested.status,
      `${words.words}`,
      `${words.misses.length}`,
      ...figure(share(words.words - words.misses.length, words.words), TARGETS.wordRecall),
      `${lines.lines}`,
      ...figure(share(lines.rank1, lines.lines), TARGETS.lineRank1),
      ...figure(share(lines.quoted, lines.lines), TARGETS.quotedLine),
    ];
  });
  const totalIngest = documents.reduce((total, document) => total + document.ingested!.ingestMs, 0);
  rows.push([
    "all",
    "",
    `${documents.reduce((total, document) => total + document.ingested!.chunks, 0)}`,
    seconds(totalIngest),
    "",
    `${allWords}`,
    `${allMisses}`,
    ...figure(share(allWords - allMisses, allWords), TARGETS.wordRecall),
    `${allLines}`,
    ...figure(
      share(
        sum(lineResults, (result) => result.rank1),
        allLines,
      ),
      TARGETS.lineRank1,
    ),
    ...figure(
      share(
        sum(lineResults, (result) => result.quoted),
        allLines,
      ),
      TARGETS.quotedLine,
    ),
  ]);

  console.log(`
Search quality, configuration ${options.config}: ${documents.length} documents, one user
${table([
  [
    "document",
    "pages (pdftotext / ingested)",
    "chunks",
    "ingestion",
    "status",
    "words",
    "missed",
    "word recall",
    "target",
    "",
    "lines",
    "typed: page at rank 1",
    "target",
    "",
    "quoted: page on page 1",
    "target",
    "",
  ],
  ...rows,
])}
Word searches: ${searches} (joined words' pieces included) in ${seconds(wordsMs)}, ${options.concurrency} at a time (${Math.round(searches / (wordsMs / 1000))}/s).
Ingestion: the worker's job alone (extraction and indexing), one document at a time; the first includes loading
the extractors (pdf.js), as a worker's first job does.`);

  console.log("\nWords not found (the first 20 of each document):");
  for (const document of documents) {
    const { misses } = wordResults.get(document)!;
    console.log(`  ${document.key} (${misses.length}): ${misses.slice(0, 20).join(", ") || "none"}`);
  }
  console.log("\nLines not found as asked:");
  for (const document of documents) {
    const { misses } = lineResults.get(document)!;
    // In page order, as typed before quoted: the searches finish in any order.
    const ordered = misses.sort((a, b) => a.page - b.page || a.text.localeCompare(b.text));
    for (const miss of ordered) console.log(`  ${document.key} ${miss.text}`);
  }
  console.log(`\nRun on ${new Date().toISOString()}.\n${machine()}`);
}
