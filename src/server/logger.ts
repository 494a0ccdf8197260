import { format } from "node:util";

import pino from "pino";

import { routeConsoleTo } from "~/contract/console-lines";
import { logLineOptions } from "~/contract/log-lines";
import { envLogLevel } from "~/env";

/** A logger of the web tier: JSON lines shaped as the worker's (src/contract/log-lines.ts). */
export function createLogger(level: string) {
  return pino(logLineOptions("web", level));
}

export type Logger = ReturnType<typeof createLogger>;

export const logger = createLogger(envLogLevel());

/** What dependencies print with console.* (Next.js's request errors, better-call's, Node's warnings) as this logger's records (contract/console-lines.ts). */
export function routeConsoleToLog(): void {
  routeConsoleTo(logger.child({ component: "console" }), format);
}
