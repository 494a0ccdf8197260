/**
 * What `npm run bench` holds each row to, in one place: the targets of
 * issue 21 (performance and overload), issue 23's (OCR), and the older rows' own. A row
 * printed without its target here is a row no one judges.
 */
export const TARGETS = {
  /** (c) worker whoami / bare node:http, req/s under the same load: at least. */
  workerOverBare: 0.4,
  /** Worker whoami / the best tRPC peer (Fastify + tRPC), req/s: at least. */
  workerOverTrpcPeer: 3,
  /** (d) p50 of whoami through the web tier minus straight to the worker, ms: at most. */
  hopOverheadMs: 1.5,
  /** (e) tokens minted for one session's 1,000 calls: exactly. */
  mintsPerSession: 1,
  /** (f) /dashboard's CPU per render / /cookie-check's: at most. */
  pageCpuRatio: 1.5,
  /** (f) /dashboard's p99 at half the rate it reached, ms: at most. */
  pageP99Ms: 100,
  /** (g) the worker's PDF extraction / pdftotext time per page, on the PDFs of every producer: at most. */
  pdfOverPdftotext: 3,
  /** (h) ingestion docs/min with 2 workers / with 1: at least. */
  ingestTwoOverOne: 1.8,
  /** (i) worker documents.search p50 / (the same SQL as the worker + an HTTP hop): at most. */
  searchOverSqlPlusHop: 1.5,
  /** Worker ready: spawn to /readyz 200, as `npm start` runs it, ms: under. */
  workerReadyMs: 200,
  /** (j) worker RSS when idle, as shipped (source maps included), MB: at most. */
  workerIdleRssMb: 100,
  /** p99 of whoami on a worker while it ingests the large PDF, ms: at most. */
  whoamiDuringIngestP99Ms: 50,
  /** OCR (bench/ocr.ts): words of the pages' own text layer found in the OCR of their scans, all pages together: at least. */
  ocrWordRecall: 0.95,
  /** OCR time per page, the product's / Debian's `tesseract` CLI on the same images, one core each: at most. */
  ocrOverTesseract: 1.5,
  /** p99 of whoami on a worker while its readers OCR, ms: at most. */
  whoamiDuringOcrP99Ms: 50,
} as const;
