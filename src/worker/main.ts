/**
 * `npm run worker`: the worker process. Reads its configuration, starts the
 * HTTP server and, on SIGTERM/SIGINT, finishes in-flight requests before
 * exiting.
 */
import { createLogger } from "~/lib/logger";
import { loadWorkerEnvOrExit } from "./env";
import { createWorkerServer } from "./server";
import { createTokenVerifier } from "./verify";

const config = loadWorkerEnvOrExit();
const logger = createLogger("worker", config.logLevel);

const verifier = createTokenVerifier({ issuer: config.issuer, jwks: config.jwks, jwksCooldownMs: config.jwksCooldownMs });
const worker = createWorkerServer({ verifier, logger, corsOrigin: config.corsOrigin });

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
  await worker.close(config.shutdownTimeoutMs);
  logger.info("worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
