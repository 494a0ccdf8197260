import pino from "pino";

import { logLineOptions } from "~/contract/log-lines";

/** The web tier's logger: JSON lines shaped as the worker's (src/contract/log-lines.ts). */
export function createLogger(level = process.env.LOG_LEVEL ?? "info") {
  return pino(logLineOptions("web", level));
}

export type Logger = ReturnType<typeof createLogger>;

export const logger = createLogger();
