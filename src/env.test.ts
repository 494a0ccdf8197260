import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";

import { EnvError } from "~/contract/env-parsing";
import { DEFAULT_WORKER_TOKEN_TTL } from "~/contract/worker-token";
import { envLogLevel, parseEnv } from "~/env";

const valid = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/app",
  BETTER_AUTH_SECRET: "x".repeat(32),
};

function messageFor(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as Error).message;
  }
  throw new Error("expected parseEnv to reject");
}

describe("environment validation", () => {
  it("accepts a complete environment and fills defaults", () => {
    expect(parseEnv(valid)).toMatchObject({
      BETTER_AUTH_URL: "http://localhost:3000",
      LOG_LEVEL: "info",
      NODE_ENV: "development",
      // No proxy: trust no client-supplied address.
      TRUSTED_PROXY_HOPS: 0,
      // The worker's default too (src/worker/env.ts): one default for both processes.
      WORKER_TOKEN_TTL: DEFAULT_WORKER_TOKEN_TTL,
    });
  });

  it("takes OpenID Connect sign-in as all three of issuer, client id and secret, or none", () => {
    expect(parseEnv(valid).OIDC_ISSUER).toBeUndefined();
    expect(parseEnv(valid).OIDC_NAME).toBe("OpenID Connect");
    const oidc = { OIDC_ISSUER: "https://id.example.com", OIDC_CLIENT_ID: "app", OIDC_CLIENT_SECRET: "s3cret" };
    expect(parseEnv({ ...valid, ...oidc, OIDC_NAME: "Example ID" })).toMatchObject({
      ...oidc,
      OIDC_NAME: "Example ID",
    });
    expect(messageFor({ ...valid, OIDC_ISSUER: oidc.OIDC_ISSUER })).toBe(
      "Invalid environment: OIDC_ISSUER and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three to offer OpenID Connect sign-in, or none",
    );
    expect(messageFor({ ...valid, ...oidc, OIDC_ISSUER: "id.example.com" })).toContain(
      "OIDC_ISSUER must be the provider's issuer URL",
    );
  });

  it("reads TRUSTED_PROXY_HOPS as a whole number of proxies", () => {
    expect(parseEnv({ ...valid, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
    expect(messageFor({ ...valid, TRUSTED_PROXY_HOPS: "yes" })).toContain(
      "TRUSTED_PROXY_HOPS must be a number of proxies",
    );
    expect(messageFor({ ...valid, TRUSTED_PROXY_HOPS: "-1" })).toContain(
      "TRUSTED_PROXY_HOPS must be 0 (no proxy) or more",
    );
  });

  it("names a missing secret and says how to make one", () => {
    const message = messageFor({ ...valid, BETTER_AUTH_SECRET: undefined });
    expect(message).toContain("BETTER_AUTH_SECRET is missing");
    expect(message).toContain("openssl rand -base64 32");
  });

  it("treats an empty value as missing", () => {
    expect(messageFor({ ...valid, BETTER_AUTH_SECRET: "" })).toContain("BETTER_AUTH_SECRET is missing");
  });

  it("rejects a short secret with its length", () => {
    const message = messageFor({ ...valid, BETTER_AUTH_SECRET: "too-short" });
    expect(message).toContain("BETTER_AUTH_SECRET is too short (9 characters, at least 32 needed)");
    expect(message).toContain("openssl rand -base64 32");
  });

  it("rejects a database URL that is not PostgreSQL", () => {
    expect(messageFor({ ...valid, DATABASE_URL: "mysql://root@localhost/app" })).toContain(
      "DATABASE_URL must be a postgresql:// URL",
    );
  });

  describe("mail", () => {
    it("needs no SMTP server outside production, and requires verification only in production by default", () => {
      expect(parseEnv(valid).SMTP_URL).toBeUndefined();
      expect(parseEnv(valid)).toMatchObject({
        MAIL_FROM: "Typed Worker Stack <no-reply@localhost>",
        REQUIRE_EMAIL_VERIFICATION: false,
      });
      const production = parseEnv({ ...valid, NODE_ENV: "production", SMTP_URL: "smtps://u:p@mail.example.com:465" });
      expect(production).toMatchObject({
        SMTP_URL: "smtps://u:p@mail.example.com:465",
        REQUIRE_EMAIL_VERIFICATION: true,
      });
    });

    it("refuses production without SMTP_URL in one sentence that says what to set", () => {
      expect(messageFor({ ...valid, NODE_ENV: "production" })).toBe(
        "Invalid environment: SMTP_URL is missing: production sends mail (address verification, password reset) and needs an SMTP server, e.g. SMTP_URL=smtp://user:password@mail.example.com:587",
      );
    });

    it("takes only smtp:// and smtps:// URLs", () => {
      expect(messageFor({ ...valid, SMTP_URL: "http://mail.example.com" })).toContain(
        "SMTP_URL must be an smtp:// or smtps:// URL",
      );
      expect(messageFor({ ...valid, SMTP_URL: "mail.example.com:25" })).toContain("SMTP_URL must be an smtp://");
    });

    it("reads REQUIRE_EMAIL_VERIFICATION as a switch", () => {
      expect(parseEnv({ ...valid, REQUIRE_EMAIL_VERIFICATION: "On" }).REQUIRE_EMAIL_VERIFICATION).toBe(true);
      expect(
        parseEnv({ ...valid, NODE_ENV: "production", SMTP_URL: "smtp://m:25", REQUIRE_EMAIL_VERIFICATION: "0" })
          .REQUIRE_EMAIL_VERIFICATION,
      ).toBe(false);
      expect(messageFor({ ...valid, REQUIRE_EMAIL_VERIFICATION: "maybe" })).toContain(
        "REQUIRE_EMAIL_VERIFICATION must be true or false",
      );
    });
  });

  describe("envLogLevel", () => {
    afterEach(() => vi.unstubAllEnvs());

    it("reads LOG_LEVEL without the rest of the environment", () => {
      vi.stubEnv("DATABASE_URL", undefined);
      vi.stubEnv("LOG_LEVEL", "warn");
      expect(envLogLevel()).toBe("warn");
      vi.stubEnv("LOG_LEVEL", "");
      expect(envLogLevel()).toBe("info");
    });

    it("rejects a level pino does not know", () => {
      vi.stubEnv("LOG_LEVEL", "loud");
      expect(() => envLogLevel()).toThrow(EnvError);
    });
  });

  it("stops the process with exactly one line on stderr", () => {
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--eval",
        "const { loadEnvOrExit } = await import('./src/env.ts'); loadEnvOrExit(); console.log('started');",
      ],
      {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "production",
          DATABASE_URL: valid.DATABASE_URL,
          BETTER_AUTH_SECRET: "short",
        },
        encoding: "utf8",
      },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain("started");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid environment: BETTER_AUTH_SECRET is too short/);
  });
});
