/**
 * What dependencies print with console.* — Next.js's request errors (with
 * the client's Next-Action id in them), better-call's "# SERVER_ERROR" with
 * a stack, Node's own warnings, a parser's complaint about a file — as
 * records of the process's JSON logger. Printed as they come, such text
 * spans several lines and may carry a client's value verbatim, so a newline
 * in it started a line of the client's choosing among the JSON records. As
 * one record per call, whatever it holds is escaped inside one field.
 * Each process installs it once it has checked its configuration (whose
 * one-line reasons stay plain text on stderr).
 */

/** The part of a pino logger this needs. */
export interface ConsoleSink {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** util.format, passed in: the contract imports no Node module. */
export type Format = (...args: unknown[]) => string;

// console.trace and console.assert print through console.error and console.warn, console.table through console.log.
const LEVEL_OF = {
  debug: "debug",
  log: "info",
  info: "info",
  dir: "info",
  warn: "warn",
  error: "error",
} as const satisfies Partial<Record<keyof Console, keyof ConsoleSink>>;

/** Replaces console's printing methods in this process with records of `sink`. */
export function routeConsoleTo(sink: ConsoleSink, format: Format): void {
  for (const [method, level] of Object.entries(LEVEL_OF)) {
    console[method as keyof typeof LEVEL_OF] = (...args: unknown[]) => {
      const [fields, message] = consoleRecord(args, format);
      sink[level](fields, message);
    };
  }
}

/** One console call as pino's (fields, message): an Error among the arguments as `err` (message, stack), the rest formatted as console would. */
export function consoleRecord(args: unknown[], format: Format): [object, string] {
  const err = args.find((arg) => arg instanceof Error);
  if (err === undefined) return [{}, format(...args)];
  const rest = args.filter((arg) => arg !== err);
  return [{ err }, rest.length > 0 ? format(...rest).trim() : err.message];
}
