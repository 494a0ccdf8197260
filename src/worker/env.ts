import { availableParallelism } from "node:os";

import { z } from "zod";

import { logLevel, orExit, parseEnvWith, seconds } from "~/contract/env-parsing";
import { MAX_BATCH_CALLS } from "~/contract/request-limits";
import { searchConfigsFor } from "./documents/search-config";
import { DEFAULT_OCR_SETTINGS, type OcrSettings } from "./documents/extract/ocr/settings";
import { DEFAULT_JWT_GRACE_PERIOD, DEFAULT_WORKER_TOKEN_TTL, issuerFor } from "~/contract/worker-token";

/** English, accents ignored: the configuration the search_quality migration makes from PostgreSQL's english. */
export const DEFAULT_SEARCH_CONFIG = "english_unaccent";

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" });

// The worker's own configuration. It holds no signing secret: it verifies
// tokens with the public halves of the web tier's signing keys, which it reads
// from the database as it reads whether a token's session still exists.
const schema = z
  .object({
    WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    WORKER_HOST: z.string().default("0.0.0.0"),
    // The web tier's base URL: the `iss` every token must carry.
    BETTER_AUTH_URL: z
      .url({ error: "must be the web tier's absolute URL (the tokens' issuer)" })
      .default("http://localhost:3000"),
    // The only browser origin allowed to call the worker directly (CORS).
    // Defaults to the web tier's origin.
    WORKER_CORS_ORIGIN: z.url().optional(),
    // Least seconds between two reads of the public keys (the jwks table)
    // caused by a key id the worker has not seen. A call signed with a
    // just-rotated key waits for that read rather than failing, so this is the
    // most a new key's first calls wait, and 1/this the most key reads per
    // second forged key ids can cause (all calls waiting share one read).
    // 0.25 s: a delay no user notices, and four one-row queries a second at
    // worst for the database.
    WORKER_JWKS_COOLDOWN: z.coerce.number().min(0).default(0.25),
    // The web tier's grace for retired signing keys (same variable, same
    // default): the worker never trusts a key longer than it is published.
    JWT_GRACE_PERIOD: seconds(DEFAULT_JWT_GRACE_PERIOD),
    // The web tier's token lifetime (same variable, same default): tokens
    // claiming a longer one, or older than it, are refused.
    WORKER_TOKEN_TTL: seconds(DEFAULT_WORKER_TOKEN_TTL),
    // Most calls one batched request may carry; more fail the request whole.
    WORKER_MAX_BATCH_CALLS: z.coerce.number().int().min(1).default(MAX_BATCH_CALLS),
    // The worker's database login: in production one that is only a member of
    // the app_worker role the migrations set up (docs/decisions/0008). Unset:
    // DATABASE_URL, whose queries still run as app_worker.
    WORKER_DATABASE_URL: postgresUrl.optional(),
    DATABASE_URL: postgresUrl.optional(),
    // How often the sessions in use are re-read: the most a revoked session's
    // token keeps working, plus one query.
    WORKER_REVOCATION_POLL_MS: z.coerce.number().int().min(10).max(1_000).default(250),
    WORKER_SHUTDOWN_TIMEOUT: seconds(10),
    // Documents: refused before anything is stored past any of these.
    // Megabytes are decimal (25 MB = 25,000,000 bytes), as people read them.
    WORKER_MAX_UPLOAD_MB: z.coerce.number().positive().max(1_000).default(25),
    WORKER_MAX_DOCUMENTS_PER_USER: z.coerce.number().int().min(1).default(1_000),
    WORKER_MAX_STORAGE_MB_PER_USER: z.coerce.number().positive().default(1_000),
    // The PostgreSQL text-search configuration the chunks are indexed and
    // searched with (\dF in psql lists them). Changing it needs the
    // documents re-indexed: docs/decisions/0016.
    WORKER_SEARCH_CONFIG: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, { error: "must name a text-search configuration, e.g. english or simple" })
      .default(DEFAULT_SEARCH_CONFIG),
    // Documents one worker process ingests at once.
    WORKER_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    // Threads that read documents (extraction and chunking), off the thread
    // that answers calls: by default one per core, so two processes on one
    // machine share its cores rather than doubling what one could use.
    WORKER_EXTRACT_THREADS: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    // The most JavaScript heap one document's reading may take: past it the
    // thread is ended and the document fails as too complex, and the process
    // goes on. The bench's 300-page, 23 MB PDF reads within 32 MB.
    WORKER_EXTRACT_MEMORY_MB: z.coerce.number().int().min(16).max(16_384).default(512),
    // The longest one document's reading may take before it is stopped and fails the same way.
    WORKER_EXTRACT_TIMEOUT: seconds(300),
    // OCR (scanned PDF pages, images): Tesseract's language codes, joined by
    // "+" as Tesseract writes them (eng+deu); each comes from its installed
    // @tesseract.js-data/<code> package, checked at start.
    OCR_LANGUAGES: z
      .string()
      .regex(/^[a-z][a-z_]*(\+[a-z][a-z_]*)*$/, {
        error: "must be Tesseract language codes joined by +, e.g. eng or eng+deu",
      })
      .default("eng"),
    // Pages of one document OCR reads at most; a scan with more fails, saying so.
    OCR_MAX_PAGES: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_OCR_SETTINGS.maxPages),
    // The largest image or rendered page, in millions of pixels: a larger one
    // is refused from its header, before it is decoded (a decompression bomb).
    OCR_MAX_MEGAPIXELS: z.coerce
      .number()
      .positive()
      .max(1_000)
      .default(DEFAULT_OCR_SETTINGS.maxPixels / 1_000_000),
    // The longest OCR may take on one page (it is skipped, saying why) and on one document (it fails).
    OCR_PAGE_TIMEOUT: seconds(DEFAULT_OCR_SETTINGS.pageTimeoutMs / 1000),
    OCR_DOCUMENT_TIMEOUT: seconds(DEFAULT_OCR_SETTINGS.documentTimeoutMs / 1000),
    LOG_LEVEL: logLevel,
  })
  .transform((env, ctx) => ({
    databaseUrl:
      env.WORKER_DATABASE_URL ??
      env.DATABASE_URL ??
      (ctx.addIssue({
        code: "custom",
        path: ["WORKER_DATABASE_URL"],
        message: "is missing: the worker checks every token's session in the database (or set DATABASE_URL)",
      }),
      z.NEVER),
    revocationPollMs: env.WORKER_REVOCATION_POLL_MS,
    port: env.WORKER_PORT,
    host: env.WORKER_HOST,
    issuer: issuerFor(env.BETTER_AUTH_URL),
    jwksCooldownMs: env.WORKER_JWKS_COOLDOWN * 1000,
    jwtGracePeriodSec: env.JWT_GRACE_PERIOD,
    tokenTtlSec: env.WORKER_TOKEN_TTL,
    maxBatchCalls: env.WORKER_MAX_BATCH_CALLS,
    corsOrigin: new URL(env.WORKER_CORS_ORIGIN ?? env.BETTER_AUTH_URL).origin,
    shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT * 1000,
    logLevel: env.LOG_LEVEL,
    documents: {
      maxUploadBytes: Math.round(env.WORKER_MAX_UPLOAD_MB * 1_000_000),
      maxDocumentsPerUser: env.WORKER_MAX_DOCUMENTS_PER_USER,
      maxStorageBytesPerUser: Math.round(env.WORKER_MAX_STORAGE_MB_PER_USER * 1_000_000),
    },
    searchConfigs: searchConfigsFor(env.WORKER_SEARCH_CONFIG, env.OCR_LANGUAGES.split("+")),
    jobConcurrency: env.WORKER_JOB_CONCURRENCY,
    extraction: {
      threads: env.WORKER_EXTRACT_THREADS,
      memoryMb: env.WORKER_EXTRACT_MEMORY_MB,
      timeoutMs: env.WORKER_EXTRACT_TIMEOUT * 1000,
    },
    ocr: {
      languages: env.OCR_LANGUAGES.split("+"),
      maxPages: env.OCR_MAX_PAGES,
      maxPixels: Math.round(env.OCR_MAX_MEGAPIXELS * 1_000_000),
      pageTimeoutMs: env.OCR_PAGE_TIMEOUT * 1000,
      documentTimeoutMs: env.OCR_DOCUMENT_TIMEOUT * 1000,
    } satisfies OcrSettings,
  }));

export type WorkerConfig = z.infer<typeof schema>;

export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerConfig {
  return parseEnvWith(schema, source);
}

export function loadWorkerEnvOrExit(): WorkerConfig {
  return orExit(() => parseWorkerEnv(process.env));
}
