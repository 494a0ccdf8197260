import { z } from "zod";

import { flag, logLevel, orExit, parseEnvWith, seconds } from "~/contract/env-parsing";
import { DEFAULT_JWT_GRACE_PERIOD, DEFAULT_WORKER_TOKEN_TTL } from "~/contract/worker-token";

// Every variable the server reads, validated once. Each process (Next.js via
// src/instrumentation.ts, the dev launcher) calls loadEnvOrExit() at start-up so
// a bad configuration stops it with one readable line instead of failing later
// inside a request.

// Measured on 2 cores with a cold burst of 200 /dashboard requests (docs/performance.md).
const WEB_MAX_IN_FLIGHT_DEFAULT = 16;
const WEB_QUEUE_WAIT_MS_DEFAULT = 2_000;

const SECRET_HINT = "make one with `openssl rand -base64 32`";

const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z
    .string({
      error:
        "is missing: set it to a postgresql:// URL, or leave it unset under `npm run dev` to use the embedded database",
    })
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgresql:// URL" }),
  BETTER_AUTH_SECRET: z.string({ error: `is missing: set it in .env (${SECRET_HINT})` }).min(32, {
    error: (issue) =>
      `is too short (${String((issue.input as string).length)} characters, at least 32 needed): ${SECRET_HINT}`,
  }),
  BETTER_AUTH_URL: z
    .url({ error: "must be the absolute URL the app is served at, e.g. http://localhost:3000" })
    .default("http://localhost:3000"),
  LOG_LEVEL: logLevel,
  // How many reverse proxies stand in front of the web tier, each appending
  // the address it saw to X-Forwarded-For. The client is the entry that many
  // places from the right. 0: none, so every X-Forwarded-For entry may be the
  // client's own invention and no client IP is known (per-IP limits are off;
  // per-account limits hold). See src/server/auth-rate-limit/client-ip.ts.
  TRUSTED_PROXY_HOPS: z.coerce
    .number({ error: "must be a number of proxies" })
    .int({ error: "must be a whole number of proxies" })
    .min(0, { error: "must be 0 (no proxy) or more" })
    .max(10, { error: "must be at most 10" })
    .default(0),
  // Server-to-server: where this process reaches the worker (a compose
  // service name in containers). The browser's URL is separate, below.
  WORKER_URL: z
    .url({ error: "must be the worker's absolute URL, e.g. http://localhost:4000" })
    .default("http://localhost:4000"),
  // Read on the server at request time and handed to the dashboard, so one
  // build serves any deployment. Unset: the same as WORKER_URL.
  NEXT_PUBLIC_WORKER_URL: z.url({ error: "must be the worker's URL as the browser reaches it" }).optional(),
  WORKER_TOKEN_TTL: seconds(DEFAULT_WORKER_TOKEN_TTL).pipe(
    z.number().min(120, { error: "must be at least 120 seconds (tokens are renewed 60 s before they expire)" }),
  ),
  // Signing-key rotation: a new key every JWT_ROTATION_INTERVAL seconds (unset:
  // never); a retired key stays published for JWT_GRACE_PERIOD seconds.
  JWT_ROTATION_INTERVAL: seconds().optional(),
  JWT_GRACE_PERIOD: seconds(DEFAULT_JWT_GRACE_PERIOD),
  // Mail (src/server/mail): verification, password reset and address
  // changes go out over SMTP. Unset outside production: `npm run dev` starts
  // an embedded catcher and sets it; anything else writes mail to the log.
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      error: "must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587",
    })
    .optional(),
  MAIL_FROM: z.string().trim().min(3, { error: "must be an address, e.g. Docs <no-reply@example.com>" }).optional(),
  // Whether an account must verify its address before it may sign in (and
  // get worker tokens). Unset: on in production, off in development and tests.
  REQUIRE_EMAIL_VERIFICATION: flag().optional(),
  // "Sign in with OpenID Connect" (src/server/oidc-sign-in.ts): any provider
  // that publishes /.well-known/openid-configuration under OIDC_ISSUER, with
  // this app registered as a confidential client whose redirect URI is
  // BETTER_AUTH_URL + /api/auth/callback/oidc. All three set, or none (no button).
  OIDC_ISSUER: z
    .url({ protocol: /^https?$/, error: "must be the provider's issuer URL, e.g. https://id.example.com" })
    .optional(),
  OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  // The provider's name on the button ("Sign in with …").
  OIDC_NAME: z.string().trim().min(1).max(60, { error: "must be at most 60 characters" }).default("OpenID Connect"),
  // Overload (src/server/overload): requests the production web server
  // handles at once (0: no limit); the next ones wait in line up to
  // WEB_QUEUE_WAIT_MS each, and are then answered 503 with Retry-After.
  WEB_MAX_IN_FLIGHT: z.coerce
    .number({ error: "must be a number of requests" })
    .int({ error: "must be a whole number of requests" })
    .min(0, { error: "must be 0 (no limit) or more" })
    .default(WEB_MAX_IN_FLIGHT_DEFAULT),
  WEB_QUEUE_WAIT_MS: z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int({ error: "must be a whole number of milliseconds" })
    .min(0, { error: "must be 0 or more" })
    .default(WEB_QUEUE_WAIT_MS_DEFAULT),
});

const withDefaults = schema
  .refine((env) => env.NODE_ENV !== "production" || env.SMTP_URL !== undefined, {
    path: ["SMTP_URL"],
    error:
      "is missing: production sends mail (address verification, password reset) and needs an SMTP server, e.g. SMTP_URL=smtp://user:password@mail.example.com:587",
  })
  .refine(
    (env) =>
      [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].every((value) => value === undefined) ||
      [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET].every((value) => value !== undefined),
    {
      path: ["OIDC_ISSUER"],
      error:
        "and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three to offer OpenID Connect sign-in, or none",
    },
  )
  .transform((env) => ({
    ...env,
    MAIL_FROM: env.MAIL_FROM ?? `Typed Worker Stack <no-reply@${new URL(env.BETTER_AUTH_URL).hostname}>`,
    REQUIRE_EMAIL_VERIFICATION: env.REQUIRE_EMAIL_VERIFICATION ?? env.NODE_ENV === "production",
  }));

export type Env = z.infer<typeof withDefaults>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  return parseEnvWith(withDefaults, source);
}

let cached: Env | undefined;

/** The validated environment of this process (parsed on first use). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function loadEnvOrExit(): Env {
  return orExit(env);
}

/**
 * LOG_LEVEL alone: the web tier's logger is made when its module is first
 * imported, which must not need the rest of the environment (a build, a unit
 * test).
 */
export function envLogLevel(): Env["LOG_LEVEL"] {
  return parseEnvWith(schema.pick({ LOG_LEVEL: true }), process.env).LOG_LEVEL;
}
