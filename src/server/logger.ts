import pino from "pino";

import { logLineOptions } from "~/contract/log-lines";
import { envLogLevel } from "~/env";

/** A logger of the web tier: JSON lines shaped as the worker's (src/contract/log-lines.ts). */
export function createLogger(level: string) {
  return pino(logLineOptions("web", level));
}

export type Logger = ReturnType<typeof createLogger>;

export const logger = createLogger(envLogLevel());
