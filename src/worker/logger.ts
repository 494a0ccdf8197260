import { format } from "node:util";

import pino from "pino";

import { routeConsoleTo } from "~/contract/console-lines";
import { logLineOptions } from "~/contract/log-lines";

/** The worker's logger: JSON lines shaped as the web tier's (src/contract/log-lines.ts). */
export function createLogger(level: string) {
  return pino(logLineOptions("worker", level));
}

export type Logger = ReturnType<typeof createLogger>;

/** What dependencies print with console.* (a parser's warning about an uploaded file, pg's, Node's) as this logger's records (contract/console-lines.ts). */
export function routeConsoleToLog(logger: Logger): void {
  routeConsoleTo(logger.child({ component: "console" }), format);
}
