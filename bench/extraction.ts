/**
 * Row (g) of `npm run bench` alone, without the stack or a database: the
 * worker's PDF extraction, pdf.js alone and pdftotext, per producer
 * (bench/documents-extract.ts). The Chromium PDFs are the bench corpus's,
 * printed for this run (no Chromium: the Debian manuals only).
 *
 *   npx tsx bench/extraction.ts
 */
import { makeCorpus } from "./documents-corpus";
import { compareExtraction, extractionRows } from "./documents-extract";
import { runBench, workPath } from "./stack";
import { machine, table } from "./table";

await runBench(async () => {
  console.log("Printing the corpus's PDFs…");
  const corpus = await makeCorpus(workPath("corpus"), { large: false });
  const pdfs = corpus.files.filter((file) => file.kind === "pdf");
  console.log(`Extracting ${pdfs.length} Chromium PDFs and Debian's manuals: the worker's way, pdf.js, pdftotext…`);
  const extraction = await compareExtraction(pdfs, workPath("."));
  console.log(
    `\n${table([["Measurement", "Value", "p50", "p99", "Notes", "Target", "Result"], ...extractionRows(extraction)])}`,
  );
  for (const reason of [...corpus.skipped, ...extraction.skipped]) console.log(`Not measured: ${reason}`);
  console.log(`\nRun on ${new Date().toISOString()}.\n${machine()}`);
});
