/**
 * The bench and load scripts' command lines: --help prints the options,
 * a mistake prints one line saying what is wrong and then the options, and
 * exits 2 — never a stack trace (node:util's parseArgs throws on an unknown
 * option).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

import { errorMessage } from "~/contract/error-message";

/** Options that include -h/--help, as each script declares it. */
type WithHelp = ParseArgsConfig & { options: { help: { type: "boolean"; short: "h" } } };

/** `command`'s options from process.argv (or `argv`); on --help prints `usage` and exits 0, on a mistake exits 2 (usageError). */
export function parseCommandLine<const T extends WithHelp>(
  command: string,
  usage: string,
  config: T,
  argv: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<T & { strict: true }>>["values"] {
  let values;
  try {
    values = parseArgs({ ...config, args: argv, strict: true }).values;
  } catch (error) {
    return usageError(command, usage, errorMessage(error));
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** Ends the process: `message` on one line, then `usage`, exit code 2. */
export function usageError(command: string, usage: string, message: string): never {
  console.error(`${command}: ${message}\n\n${usage}`);
  process.exit(2);
}

/** `value` of option `name` as a whole number ≥ `min`, or a usage error. */
export function wholeNumber(command: string, usage: string, name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    usageError(command, usage, `--${name}: "${value}" is not a whole number ≥ ${min}`);
  return n;
}
