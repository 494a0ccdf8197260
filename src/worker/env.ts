import { z } from "zod";

import { logLevel, orExit, parseEnvWith, seconds } from "~/env";
import { issuerFor, JWKS_PATH } from "~/lib/worker-token-contract";

// The worker's own configuration. It holds no signing secret and no database
// URL: it only verifies tokens, with the web tier's public keys.
const schema = z
  .object({
    WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    WORKER_HOST: z.string().default("0.0.0.0"),
    // The web tier's base URL: the `iss` every token must carry.
    BETTER_AUTH_URL: z.url({ error: "must be the web tier's absolute URL (the tokens' issuer)" }).default("http://localhost:3000"),
    // Where to fetch the public keys; defaults to the web tier's JWKS route.
    WORKER_JWKS_URL: z.url().optional(),
    // A static JWKS (JSON) for deployments where the worker cannot reach the
    // web tier. When set, WORKER_JWKS_URL is not used.
    WORKER_JWKS: z
      .string()
      .transform((text, ctx) => {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (parsed && typeof parsed === "object" && Array.isArray((parsed as { keys?: unknown }).keys)) {
            return parsed as { keys: Record<string, unknown>[] };
          }
        } catch {
          // reported below
        }
        ctx.addIssue({ code: "custom", message: 'must be a JSON Web Key Set: {"keys":[…]}' });
        return z.NEVER;
      })
      .optional(),
    // The only browser origin allowed to call the worker directly (CORS).
    // Defaults to the web tier's origin.
    WORKER_CORS_ORIGIN: z.url().optional(),
    // Least seconds between two key-set fetches caused by an unknown key id:
    // a new key is picked up this soon after rotation; forged kids cannot
    // make the worker hammer the web tier.
    WORKER_JWKS_COOLDOWN: z.coerce.number().min(0).default(10),
    WORKER_SHUTDOWN_TIMEOUT: seconds(10),
    LOG_LEVEL: logLevel,
  })
  .transform((env) => ({
    port: env.WORKER_PORT,
    host: env.WORKER_HOST,
    issuer: issuerFor(env.BETTER_AUTH_URL),
    jwks: env.WORKER_JWKS ?? new URL(env.WORKER_JWKS_URL ?? new URL(JWKS_PATH, env.BETTER_AUTH_URL)),
    jwksCooldownMs: env.WORKER_JWKS_COOLDOWN * 1000,
    corsOrigin: new URL(env.WORKER_CORS_ORIGIN ?? env.BETTER_AUTH_URL).origin,
    shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT * 1000,
    logLevel: env.LOG_LEVEL,
  }));

export type WorkerConfig = z.infer<typeof schema>;

export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerConfig {
  return parseEnvWith(schema, source);
}

export function loadWorkerEnvOrExit(): WorkerConfig {
  return orExit(() => parseWorkerEnv(process.env));
}
