import pino from "pino";

import { logLineOptions } from "~/contract/log-lines";

/** The worker's logger: JSON lines shaped as the web tier's (src/contract/log-lines.ts). */
export function createLogger(level: string) {
  return pino(logLineOptions("worker", level));
}

export type Logger = ReturnType<typeof createLogger>;
