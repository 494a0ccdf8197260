import { z } from "zod";

// Every variable the server reads, validated once. Each process (Next.js via
// src/instrumentation.ts, the dev launcher) calls loadEnvOrExit() at start-up so
// a bad configuration stops it with one readable line instead of failing later
// inside a request.

const SECRET_HINT = "make one with `openssl rand -base64 32`";

const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z
    .string({ error: "is missing: set it to a postgresql:// URL, or leave it unset under `npm run dev` to use the embedded database" })
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" }),
  BETTER_AUTH_SECRET: z
    .string({ error: `is missing: set it in .env (${SECRET_HINT})` })
    .min(32, {
      error: (issue) =>
        `is too short (${String((issue.input as string).length)} characters, at least 32 needed): ${SECRET_HINT}`,
    }),
  BETTER_AUTH_URL: z.url({ error: "must be the absolute URL the app is served at, e.g. http://localhost:3000" }).default("http://localhost:3000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {
  override name = "EnvError";
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty string in a .env file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
  throw new EnvError(`Invalid environment: ${problems.join("; ")}`);
}

let cached: Env | undefined;

/** The validated environment of this process (parsed on first use). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function loadEnvOrExit(): Env {
  try {
    return env();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
