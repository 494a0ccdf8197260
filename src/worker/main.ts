/**
 * `npm run worker`: the worker process. Reads its configuration, starts the
 * HTTP server and the job queue's workers (document ingestion) and, on
 * SIGTERM/SIGINT, finishes in-flight requests and running jobs before
 * exiting. Run as many as you like on one database: they share the queue.
 */
import { createLogger, routeConsoleToLog } from "~/worker/logger";
import { createWorkerDb } from "./db";
import { DOCUMENTS_POOL_SIZE, MAX_UPLOADS_IN_FLIGHT } from "./documents/upload-pool";
import { createChangeFeed } from "./documents/change-feed";
import { createExtractPool } from "./documents/extract-pool";
import { ingestDocument } from "./documents/ingest";
import { enqueueStaleDocuments } from "./documents/reindex";
import { requeueRefusedScans } from "./documents/reread-scans";
import { postgresOriginalStore } from "./documents/original-store";
import { checkSearchConfig } from "./documents/search";
import { configsInUse } from "./documents/search-config";
import { missingOcrLanguages } from "./documents/extract/ocr/languages";
import { loadWorkerEnvOrExit } from "./env";
import { connectJobQueue } from "./jobs/connecting-queue";
import { DOCUMENT_INGEST_QUEUE, type IngestJobData } from "~/contract/ingest-queue";
import { createRevocationCheck } from "./revocation";
import { createWorkerServer } from "./server";
import { createUserSlots } from "./user-slots";
import { MAX_EXPORTS_IN_FLIGHT, MAX_EXPORTS_PER_USER } from "./account/export";
import { MAX_UPLOADS_IN_FLIGHT_PER_USER } from "~/contract/document-limits";
import { createSessionStore } from "./session-store";
import { createKeyStore, retiredKeyVerifiesFor } from "./key-store";
import { storedKeySource } from "./jwks";
import { createTokenVerifier, DEFAULT_CLOCK_TOLERANCE_SEC } from "./verify";

const config = loadWorkerEnvOrExit();
const logger = createLogger(config.logLevel);
routeConsoleToLog(logger);
// A language without its model would fail every scan: the worker does not start without it.
const missingLanguages = missingOcrLanguages(config.ocr.languages);
if (missingLanguages) {
  logger.fatal(missingLanguages);
  process.exit(1);
}

// Two pools: the session and key reads every request depends on have
// connections of their own, which uploads streaming in or a busy ingestion
// cannot take.
const sessionsDb = createWorkerDb(config.databaseUrl, { max: 2 });
const db = createWorkerDb(config.databaseUrl, { max: DOCUMENTS_POOL_SIZE });
let keyReadFailures = 0;
const keys = storedKeySource(
  createKeyStore(sessionsDb, {
    retiredForMs: retiredKeyVerifiesFor({
      gracePeriodSec: config.jwtGracePeriodSec,
      tokenTtlSec: config.tokenTtlSec,
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
    }),
  }).read,
  {
    cooldownMs: config.jwksCooldownMs,
    onRefreshError(error) {
      // Every 10 s: one line when it starts failing, then one every ten minutes.
      if (keyReadFailures++ % 60 === 0)
        logger.error({ err: error, failures: keyReadFailures }, "signing key read failed");
    },
  },
);
keys.start();
const verifier = createTokenVerifier({
  issuer: config.issuer,
  jwks: keys,
  tokenTtlSec: config.tokenTtlSec,
});
const sessions = createSessionStore(sessionsDb);
let pollFailures = 0;
const revocation = createRevocationCheck({
  store: sessions,
  pollMs: config.revocationPollMs,
  onPollError(error) {
    // Four polls a second: one line when it starts failing, then one a minute.
    if (pollFailures++ % 240 === 0) logger.error({ err: error, failures: pollFailures }, "session poll failed");
  },
});
revocation.start();
const changeFeed = createChangeFeed({ db, log: logger });
const store = postgresOriginalStore;
// Its threads start with the first document, not with the process.
const extractor = createExtractPool({
  ...config.extraction,
  ocr: config.ocr,
  onOutput: (stream, text) => logger.warn({ component: "document-reader", stream, text }, "a document reader printed"),
});
const queue = connectJobQueue({
  databaseUrl: config.databaseUrl,
  logger,
  async onConnected(connected) {
    // A configuration that does not exist would fail every ingestion and search.
    for (const searchConfig of configsInUse(config.searchConfigs)) {
      await checkSearchConfig(db, searchConfig).catch((error: unknown) => {
        logger.fatal({ err: error }, `WORKER_SEARCH_CONFIG: ${(error as Error).message}`);
        process.exit(1);
      });
    }
    await connected.work<IngestJobData>(
      DOCUMENT_INGEST_QUEUE,
      (job) =>
        ingestDocument(
          { db, store, extractor, searchConfigs: config.searchConfigs, log: logger },
          job.data.documentId,
          {
            number: job.attempt,
            last: job.isLastAttempt,
          },
        ),
      { concurrency: config.jobConcurrency },
    );
    // In the background: the worker serves meanwhile, and a failure here is retried at the next start.
    void enqueueStaleDocuments(db, connected, config.searchConfigs, logger).catch((error: unknown) => {
      logger.error({ err: error }, "could not queue the re-indexing of older documents");
    });
    void requeueRefusedScans(db, connected, logger).catch((error: unknown) => {
      logger.error({ err: error }, "could not queue the scans refused before OCR");
    });
  },
});
const worker = createWorkerServer({
  verifier,
  revocation,
  changeFeed,
  documents: {
    db,
    queue,
    store,
    uploads: createUserSlots(MAX_UPLOADS_IN_FLIGHT, MAX_UPLOADS_IN_FLIGHT_PER_USER),
    exports: createUserSlots(MAX_EXPORTS_IN_FLIGHT, MAX_EXPORTS_PER_USER),
    limits: config.documents,
    searchConfigs: config.searchConfigs,
    logger,
  },
  logger,
  corsOrigin: config.corsOrigin,
  maxBatchCalls: config.maxBatchCalls,
});

worker.server.on("error", (error) => {
  logger.fatal({ err: error }, "worker could not start");
  process.exit(1);
});
worker.server.listen(config.port, config.host, () => {
  const address = worker.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info(
    {
      port,
      issuer: config.issuer,
      corsOrigin: config.corsOrigin,
    },
    `worker listening on http://localhost:${port}`,
  );
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "worker stopping: finishing in-flight requests");
  changeFeed.stop();
  // Running jobs get the same time as requests; one cut short is retried by
  // another worker once its heartbeat lapses.
  await Promise.all([worker.close(config.shutdownTimeoutMs), queue.stop({ timeoutMs: config.shutdownTimeoutMs })]);
  await extractor.close();
  revocation.stop();
  keys.stop();
  await Promise.all([db.close(), sessionsDb.close()]);
  logger.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
