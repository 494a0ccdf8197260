/**
 * `npm run worker`: the worker process. Reads its configuration, starts the
 * HTTP server and, on SIGTERM/SIGINT, finishes in-flight requests before
 * exiting.
 */
import { createLogger } from "~/lib/logger";
import { createWorkerDb } from "./db";
import { createChangeFeed } from "./documents/change-feed";
import { loadWorkerEnvOrExit } from "./env";
import { createRevocationCheck } from "./revocation";
import { createWorkerServer } from "./server";
import { createSessionStore } from "./session-store";
import { createTokenVerifier } from "./verify";

const config = loadWorkerEnvOrExit();
const logger = createLogger("worker", config.logLevel);

const verifier = createTokenVerifier({
  issuer: config.issuer,
  jwks: config.jwks,
  jwksCooldownMs: config.jwksCooldownMs,
  tokenTtlSec: config.tokenTtlSec,
});
const db = createWorkerDb(config.databaseUrl);
const sessions = createSessionStore(db);
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
const worker = createWorkerServer({ verifier, revocation, changeFeed, logger, corsOrigin: config.corsOrigin, maxBatchCalls: config.maxBatchCalls });

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
      keys: config.jwks instanceof URL ? config.jwks.href : "static JWKS from WORKER_JWKS",
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
  await worker.close(config.shutdownTimeoutMs);
  revocation.stop();
  await db.close();
  logger.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
