/**
 * How both processes read their environment (src/env.ts, src/worker/env.ts):
 * the same rules for a number of seconds or a log level, and the same
 * one-line reason, then exit, when a variable is wrong.
 */
import { z } from "zod";

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** A whole number of seconds from an env string. */
export function seconds(fallback?: number) {
  const parsed = z.coerce
    .number({ error: "must be a number of seconds" })
    .int({ error: "must be a whole number of seconds" })
    .positive({ error: "must be a positive number of seconds" });
  return fallback === undefined ? parsed : parsed.default(fallback);
}

/** A yes/no switch from an env string: true/false, 1/0, yes/no, on/off (any case). */
export function flag() {
  return z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"], {
        error: "must be true or false",
      }),
    )
    .transform((value) => ["true", "1", "yes", "on"].includes(value));
}

export class EnvError extends Error {
  override name = "EnvError";
}

/** Validates `source` against `shape`. */
export function parseEnvWith<S extends z.ZodType>(shape: S, source: Record<string, string | undefined>): z.infer<S> {
  // An empty string in a .env file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = shape.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new EnvError(`Invalid environment: ${problems.join("; ")}`);
}

/** Runs `read`; an invalid environment ends the process with its one-line reason. */
export function orExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
