/**
 * docker-compose.yml, as `docker-compose config` resolves it with a given
 * .env: services, start order, health checks, and who gets which secret.
 * These need `docker-compose` (Debian's 1.29 is enough: it only parses);
 * without it they are skipped, except under CI, where they fail.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseEnv } from "~/env";
import { parseWorkerEnv } from "~/worker/env";
import { parseDockerfile } from "../support/dockerfile-lint";

const root = path.resolve(".");
const composeFile = path.join(root, "docker-compose.yml");
const dockerfile = parseDockerfile(readFileSync(path.join(root, "Dockerfile"), "utf8"));
const stageNamed = (name: string) => dockerfile.stages.find((stage) => stage.name === name);

// ── docker-compose.yml ─────────────────────────────────────────────────────

/** The first `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const composeBin = onPath("docker-compose");
const composeVersion = composeBin
  ? spawnSync(composeBin, ["version", "--short"], { encoding: "utf8" }).stdout?.trim().replace(/^v/, "")
  : undefined;
const INSTALL_HINT = "docker-compose is not installed (apt-get install -y docker-compose)";
if (!composeBin && !process.env.CI) console.warn(`docker-compose.yml tests skipped: ${INSTALL_HINT}`);

// The secret and the password are long random-looking strings no default
// could produce, so finding them anywhere says where they went.
const SECRET = "compose-test-secret-f3b1c0d9e8a7-compose-test-secret";
const PASSWORD = "composeTestPassword7d41";
const WORKER_PASSWORD = "composeWorkerPassword5c22";
const SMTP_PASSWORD = "composeSmtpPassword9e03";
const SMTP_URL = `smtps://mailer:${SMTP_PASSWORD}@smtp.example.test:465`;
const SAMPLE_ENV = {
  POSTGRES_PASSWORD: PASSWORD,
  WORKER_DB_PASSWORD: WORKER_PASSWORD,
  BETTER_AUTH_SECRET: SECRET,
  BETTER_AUTH_URL: "https://app.example.test",
  NEXT_PUBLIC_WORKER_URL: "https://worker.example.test",
  SMTP_URL,
  MAIL_FROM: "Compose Test <no-reply@example.test>",
  REQUIRE_EMAIL_VERIFICATION: "false",
};

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string | number | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  ports?: unknown[];
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
}

let workDir: string;

/** `docker-compose -f docker-compose.yml --env-file <env> <args>` with nothing else from this process's environment. */
function compose(envFile: Record<string, string> | string, args: string[]) {
  const file = path.join(workDir, `env-${String(Math.random()).slice(2)}`);
  writeFileSync(
    file,
    typeof envFile === "string"
      ? envFile
      : Object.entries(envFile)
          .map(([key, value]) => `${key}=${value}\n`)
          .join(""),
  );
  // Not this run's environment: its BETTER_AUTH_SECRET or DATABASE_URL would
  // fill in for what the env file leaves out. (docker-compose.yml reads no NODE_ENV.)
  return spawnSync(composeBin!, ["-f", composeFile, "--env-file", file, ...args], {
    encoding: "utf8",
    env: { NODE_ENV: "test", PATH: process.env.PATH, HOME: workDir },
  });
}

/** A Python that can load YAML: the one docker-compose (1.x, a Python program) runs on, else python3. */
function yamlPython(): string {
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(readFileSync(composeBin!, "latin1").slice(0, 200));
  const interpreter = shebang?.[1]?.endsWith("/env") ? onPath(shebang[2] ?? "") : shebang?.[1];
  for (const python of [interpreter, onPath("python3")]) {
    if (python && spawnSync(python, ["-c", "import yaml"]).status === 0) return python;
  }
  throw new Error("No Python with PyYAML found to read `docker-compose config` (apt-get install -y python3-yaml)");
}

/** The configuration as docker-compose resolves it: interpolated, merged, normalised. */
function resolvedConfig(envFile: Record<string, string> | string): ComposeConfig {
  const major = Number(composeVersion?.split(".")[0]);
  const run = compose(envFile, major >= 2 ? ["config", "--format", "json"] : ["config"]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  if (major >= 2) return JSON.parse(run.stdout) as ComposeConfig;
  const parsed = spawnSync(
    yamlPython(),
    ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    {
      input: run.stdout,
      encoding: "utf8",
    },
  );
  expect(parsed.stderr).toBe("");
  return JSON.parse(parsed.stdout) as ComposeConfig;
}

function environmentOf(service: ComposeService | undefined): Record<string, string> {
  const env = service?.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((item) => item.split(/=(.*)/s) as [string, string])
    : Object.entries(env).map(([key, value]) => [key, value === null ? "" : String(value)]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function conditions(service: ComposeService | undefined): Record<string, string> {
  const dependsOn = service?.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, "service_started"]));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, { condition }]) => [name, condition]));
}

/** The `node -e` script of a healthcheck. */
function healthScript(service: ComposeService | undefined): string {
  const test = service?.healthcheck?.test;
  expect(Array.isArray(test) && test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
  return (test as string[])[3]!;
}

// Under CI a missing docker-compose is a failure of its own (not a failing
// hook, which would leave every test below merely "skipped").
if (!composeBin && process.env.CI) {
  describe("docker-compose", () => {
    it("is installed", () => {
      throw new Error(`${INSTALL_HINT}: CI must have it to check docker-compose.yml`);
    });
  });
}

describe.skipIf(!composeBin)(`docker-compose.yml${composeBin ? "" : ` (skipped: ${INSTALL_HINT})`}`, () => {
  // Resolved on first use, so a file docker-compose rejects fails each test
  // rather than a hook.
  let resolved: ComposeConfig | undefined;
  const services = (): Record<string, ComposeService> => (resolved ??= resolvedConfig(SAMPLE_ENV)).services;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), "compose-test-"));
  });
  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it("is valid (`docker-compose config -q`)", () => {
    const run = compose(SAMPLE_ENV, ["config", "-q"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("has the four services, each app service built from its Dockerfile target", () => {
    expect(Object.keys(services()).sort()).toEqual(["migrate", "postgres", "web", "worker"]);
    expect(services().postgres?.image).toMatch(/^postgres:1[67]\b/);
    const stageNames = new Set(dockerfile.stages.map((stage) => stage.name));
    for (const name of ["migrate", "web", "worker"]) {
      const build = services()[name]?.build;
      expect(build?.target, name).toBe(name);
      expect(stageNames.has(build!.target), `Dockerfile stage ${name}`).toBe(true);
      expect(path.resolve(build!.context)).toBe(root);
    }
  });

  it("starts in order: postgres healthy → migrate done → web and worker, neither waiting for the other", () => {
    expect(conditions(services().migrate)).toEqual({ postgres: "service_healthy" });
    expect(conditions(services().web)).toEqual({
      postgres: "service_healthy",
      migrate: "service_completed_successfully",
    });
    expect(conditions(services().worker)).toEqual({ migrate: "service_completed_successfully" });
    for (const name of ["postgres", "web", "worker"]) expect(services()[name]?.healthcheck?.test, name).toBeDefined();
    expect(JSON.stringify(services().postgres?.healthcheck?.test)).toContain("pg_isready");
  });

  it("has health checks podman runs too: no space inside an exec-form argument", () => {
    // podman's Docker-compatible API splits CMD arguments at every space, so
    // `node -e "(r) => …"` became a syntax error there and its service never
    // turned healthy. A CMD-SHELL string reaches it whole.
    for (const name of ["postgres", "web", "worker"]) {
      const test = services()[name]?.healthcheck?.test as string[];
      expect(["CMD", "CMD-SHELL"], name).toContain(test[0]);
      if (test[0] === "CMD")
        expect(
          test.filter((arg) => /\s/.test(arg)),
          name,
        ).toEqual([]);
    }
    // Over TCP: the image's init-time server listens on the socket only.
    // (`config` prints the container's `$` escaped as `$$`.)
    expect(services().postgres?.healthcheck?.test).toEqual([
      "CMD-SHELL",
      expect.stringMatching(/^pg_isready -h 127\.0\.0\.1 -U "\$+POSTGRES_USER" -d "\$+POSTGRES_DB"$/),
    ]);
  });

  it("gives the web tier a valid environment whose worker URLs are the right ones", () => {
    const web = environmentOf(services().web);
    // As the container reads it: with its image's NODE_ENV.
    expect(() => parseEnv({ ...web, NODE_ENV: stageNamed("web")!.env.NODE_ENV })).not.toThrow();
    expect(web.BETTER_AUTH_SECRET).toBe(SECRET);
    expect(web.BETTER_AUTH_URL).toBe(SAMPLE_ENV.BETTER_AUTH_URL);
    // Server to server: the worker service, on the port its image listens on.
    const workerUrl = new URL(web.WORKER_URL!);
    expect(workerUrl.hostname).toBe("worker");
    expect(workerUrl.port).toBe(stageNamed("worker")?.env.WORKER_PORT);
    // The browser's URL is another one.
    expect(web.NEXT_PUBLIC_WORKER_URL).toBe(SAMPLE_ENV.NEXT_PUBLIC_WORKER_URL);
    expect(web.NEXT_PUBLIC_WORKER_URL).not.toBe(web.WORKER_URL);
    const database = new URL(web.DATABASE_URL!);
    expect([database.hostname, decodeURIComponent(database.password)]).toEqual(["postgres", PASSWORD]);
    expect(environmentOf(services().migrate)).toEqual({
      DATABASE_URL: web.DATABASE_URL,
      WORKER_DB_PASSWORD: WORKER_PASSWORD,
    });
  });

  it("gives the web tier its mail settings as given, and the SMTP login to no one else", () => {
    const web = environmentOf(services().web);
    expect([web.SMTP_URL, web.MAIL_FROM, web.REQUIRE_EMAIL_VERIFICATION]).toEqual([
      SMTP_URL,
      SAMPLE_ENV.MAIL_FROM,
      SAMPLE_ENV.REQUIRE_EMAIL_VERIFICATION,
    ]);
    for (const name of ["postgres", "migrate", "worker"])
      expect(JSON.stringify(services()[name]), name).not.toContain(SMTP_PASSWORD);
  });

  it("leaves MAIL_FROM and REQUIRE_EMAIL_VERIFICATION to the web tier's defaults when .env has none", () => {
    const required = Object.fromEntries(
      Object.entries(SAMPLE_ENV).filter(([name]) => !["MAIL_FROM", "REQUIRE_EMAIL_VERIFICATION"].includes(name)),
    );
    const web = environmentOf(resolvedConfig(required).services.web);
    // Empty is "unset" to the web tier (src/contract/env-parsing.ts).
    expect([web.MAIL_FROM, web.REQUIRE_EMAIL_VERIFICATION]).toEqual(["", ""]);
  });

  it("gives the worker no secret and only its own database login, where it reads the public keys", () => {
    const worker = environmentOf(services().worker);
    for (const name of ["BETTER_AUTH_SECRET", "DATABASE_URL", "POSTGRES_PASSWORD", "SMTP_URL"])
      expect(worker).not.toHaveProperty(name);
    const everything = JSON.stringify(services().worker);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(PASSWORD);
    const login = new URL(worker.WORKER_DATABASE_URL!);
    expect([login.username, login.password, login.hostname]).toEqual(["app_worker", WORKER_PASSWORD, "postgres"]);
    // The migrate step gives app_worker that password (prisma/deploy.mjs); postgres never sees it.
    expect(environmentOf(services().migrate).WORKER_DB_PASSWORD).toBe(WORKER_PASSWORD);
    expect(environmentOf(services().postgres)).not.toHaveProperty("WORKER_DB_PASSWORD");
    const parsed = parseWorkerEnv(worker);
    expect(worker.BETTER_AUTH_URL).toBe(environmentOf(services().web).BETTER_AUTH_URL);
    expect(worker).not.toHaveProperty("WORKER_JWKS_URL");
    // A retired key verifies no longer on the worker than the web tier publishes it.
    expect(parsed.jwtGracePeriodSec).toBe(Number(environmentOf(services().web).JWT_GRACE_PERIOD));
    expect(parsed.corsOrigin).toBe(new URL(SAMPLE_ENV.BETTER_AUTH_URL).origin);
  });

  it("publishes the ports the images listen on", () => {
    const published = (service: ComposeService | undefined) => JSON.stringify(service?.ports);
    expect(published(services().web)).toMatch(new RegExp(`\\b${stageNamed("web")!.env.PORT!}\\b`));
    expect(published(services().worker)).toMatch(new RegExp(`\\b${stageNamed("worker")!.env.WORKER_PORT!}\\b`));
    expect(services().postgres?.ports).toBeUndefined();
  });

  it("works from a copy of .env.example with only its three secrets and SMTP_URL filled in", () => {
    // .env.example is written for `npm run dev` (WORKER_URL=http://localhost:4000…):
    // none of that may reach the containers' addresses.
    const example = readFileSync(path.join(root, ".env.example"), "utf8")
      .replace(/^BETTER_AUTH_SECRET=$/m, `BETTER_AUTH_SECRET=${SECRET}`)
      .replace(/^POSTGRES_PASSWORD=$/m, `POSTGRES_PASSWORD=${PASSWORD}`)
      .replace(/^WORKER_DB_PASSWORD=$/m, `WORKER_DB_PASSWORD=${WORKER_PASSWORD}`)
      .replace(/^SMTP_URL=$/m, `SMTP_URL=${SMTP_URL}`);
    const fromExample = resolvedConfig(example).services;
    const web = environmentOf(fromExample.web);
    expect(web.SMTP_URL).toBe(SMTP_URL);
    expect(web.WORKER_URL).toBe(environmentOf(services().web).WORKER_URL);
    expect(web.NEXT_PUBLIC_WORKER_URL).toBe("http://localhost:4000");
    expect(web.BETTER_AUTH_URL).toBe("http://localhost:3000");
    expect(new URL(web.DATABASE_URL!).hostname).toBe("postgres");
    expect(environmentOf(fromExample.worker).WORKER_DATABASE_URL).toBe(
      environmentOf(services().worker).WORKER_DATABASE_URL,
    );
  });

  it.each([
    ["BETTER_AUTH_SECRET", "set BETTER_AUTH_SECRET in .env, at least 32 characters"],
    ["POSTGRES_PASSWORD", "set POSTGRES_PASSWORD in .env"],
    ["SMTP_URL", 'set SMTP_URL in .env, e.g. smtps://user:password@smtp.example.com:465 (README.md, "Mail")'],
  ])("refuses to start without %s, saying what to do", (name, message) => {
    for (const env of [
      { ...SAMPLE_ENV, [name]: undefined },
      { ...SAMPLE_ENV, [name]: "" },
    ]) {
      const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<
        string,
        string
      >;
      const run = compose(defined, ["config", "-q"]);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(message);
    }
  });

  describe("health checks, run against a stand-in server", () => {
    let server: Server;
    let port: number;
    let status = 200;
    const paths: string[] = [];
    const run = promisify(execFile);

    beforeAll(async () => {
      server = createServer((req, res) => {
        paths.push(req.url ?? "");
        res.writeHead(status).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    /** The check's exit code, with its container port pointed at the stand-in. */
    async function check(script: string, containerPort: string, at = port): Promise<number> {
      expect(script).toContain(`http://127.0.0.1:${containerPort}/`);
      const local = script.replace(`127.0.0.1:${containerPort}`, `127.0.0.1:${String(at)}`);
      return run(process.execPath, ["-e", local]).then(
        () => 0,
        (error: unknown) => (error as { code?: number }).code ?? -1,
      );
    }

    it.each([
      ["web", "/api/healthz", () => stageNamed("web")!.env.PORT!],
      ["worker", "/readyz", () => stageNamed("worker")!.env.WORKER_PORT!],
    ])("%s: healthy on 200 from %s, unhealthy on 503 or no answer", async (name, probe, containerPort) => {
      const script = healthScript(services()[name]);
      paths.length = 0;
      status = 200;
      expect(await check(script, containerPort())).toBe(0);
      expect(paths).toEqual([probe]);
      status = 503;
      expect(await check(script, containerPort())).toBe(1);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await check(script, containerPort(), closedPort)).toBe(1);
    });
  });
});
