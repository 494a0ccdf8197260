/**
 * The container setup, checked without a Docker engine:
 * - the Dockerfile, by a small linter over its instructions: what each COPY
 *   reads exists and reaches the build context, each `npm run` names a script,
 *   each `--from` an earlier stage, and the file each image starts is one it
 *   copied in, traced back to the build output or package that produces it;
 * - .dockerignore keeps secrets and host builds out of the context;
 * - docker-compose.yml, as `docker-compose config` resolves it with a given
 *   .env: services, start order, health checks, and who gets which secret.
 * The compose checks need `docker-compose` (Debian's 1.29 is enough: it only
 * parses); without it they are skipped, except under CI, where they fail.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseEnv } from "~/env";
import { migratePackageJson } from "../../prisma/engine/migrate-package.mjs";
import { BUILD_OUTPUT } from "~/scripts/build-output";
import { parseWorkerEnv } from "~/worker/env";

const root = path.resolve(".");
const dockerfileText = readFileSync(path.join(root, "Dockerfile"), "utf8");
const dockerignoreText = readFileSync(path.join(root, ".dockerignore"), "utf8");
const composeFile = path.join(root, "docker-compose.yml");
const engineSource = readFileSync(path.join(root, "prisma/engine/schema-engine-wasm.mjs"), "utf8");
const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

// ── .dockerignore ───────────────────────────────────────────────────────────

/**
 * Docker's .dockerignore rules: patterns are relative to the context root,
 * `*` and `?` stop at "/", `**` spans directories, `!` re-includes, the last
 * matching line wins, and a path is excluded when it or a parent matches.
 */
function dockerignoreMatcher(text: string): (relPath: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, "");
      return { negate, regex: globToRegExp(pattern) };
    });
  return (relPath) => {
    const parts = path.posix.normalize(relPath).replace(/^(\.\/|\/)+/, "").split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          source += "(?:.*/)?";
        } else {
          source += ".*";
        }
      } else {
        source += "[^/]*";
      }
    } else if (ch === "?") {
      source += "[^/]";
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) {
        source += "\\[";
      } else {
        source += `[${pattern.slice(i + 1, end).replace(/^!/, "^")}]`;
        i = end;
      }
    } else if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      source += pattern[i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

const ignored = dockerignoreMatcher(dockerignoreText);

// ── Dockerfile ─────────────────────────────────────────────────────────────

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Instructions with their line numbers: comments dropped, `\` continuations joined. */
function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  const finish = () => {
    if (!pending) return;
    const match = /^(\S+)\s*([\s\S]*)$/.exec(pending.text.trim());
    if (match) instructions.push({ line: pending.line, keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
    pending = undefined;
  };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    // Comment lines end nothing, even inside a continuation; nor do blank ones there.
    if (line.startsWith("#") || (line === "" && !pending)) return;
    pending ??= { line: index + 1, text: "" };
    if (line.endsWith("\\")) {
      pending.text += `${line.slice(0, -1)} `;
    } else {
      pending.text += line;
      finish();
    }
  });
  finish();
  return instructions;
}

interface Copy {
  line: number;
  from?: string;
  chown?: string;
  link: boolean;
  sources: string[];
  /** As written. */
  dest: string;
  /** Absolute, resolved against the WORKDIR. */
  destPath: string;
}

interface Run {
  line: number;
  command: string;
  workdir: string;
}

interface Stage {
  index: number;
  name?: string;
  line: number;
  base: string;
  parent?: Stage;
  workdir: string;
  user?: string;
  env: Record<string, string>;
  copies: Copy[];
  runs: Run[];
  cmd?: string[] | string;
  entrypoint?: string[] | string;
}

function label(stage: Stage): string {
  return stage.name ? `stage "${stage.name}"` : `stage ${String(stage.index)}`;
}

function parseStages(instructions: Instruction[]): { stages: Stage[]; problems: string[] } {
  const stages: Stage[] = [];
  const problems: string[] = [];
  let stage: Stage | undefined;
  for (const instruction of instructions) {
    const { keyword, args, line } = instruction;
    if (keyword === "FROM") {
      const words = args.split(/\s+/).filter((word) => !word.startsWith("--"));
      const base = words[0] ?? "";
      const name = words[1]?.toUpperCase() === "AS" ? words[2]?.toLowerCase() : undefined;
      const parent = stages.find((earlier) => earlier.name === base.toLowerCase());
      stage = {
        index: stages.length,
        name,
        line,
        base,
        parent,
        workdir: parent?.workdir ?? "/",
        user: parent?.user,
        env: { ...parent?.env },
        copies: [],
        runs: [],
      };
      stages.push(stage);
      continue;
    }
    if (!stage) {
      if (keyword !== "ARG") problems.push(`line ${String(line)}: ${keyword} before the first FROM`);
      continue;
    }
    switch (keyword) {
      case "WORKDIR":
        stage.workdir = path.posix.resolve(stage.workdir, args);
        break;
      case "USER":
        stage.user = args;
        break;
      case "ENV":
        if (/^[^\s=]+\s/.test(args)) {
          // The legacy form: ENV KEY value with spaces
          const [key, value] = args.split(/\s+(.*)/s);
          stage.env[key!] = value ?? "";
        } else {
          for (const pair of args.split(/\s+/)) {
            const [key, value] = pair.split(/=(.*)/s);
            if (key && value !== undefined) stage.env[key] = value.replace(/^"(.*)"$/, "$1");
          }
        }
        break;
      case "RUN":
        stage.runs.push({ line, command: args, workdir: stage.workdir });
        break;
      case "CMD":
      case "ENTRYPOINT": {
        const value = args.startsWith("[") ? (JSON.parse(args) as string[]) : args;
        if (keyword === "CMD") stage.cmd = value;
        else stage.entrypoint = value;
        break;
      }
      case "COPY":
      case "ADD": {
        const flags = new Map<string, string>();
        let rest = args;
        for (let flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); flag; flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
          flags.set(flag[1]!, flag[2] ?? "");
          rest = rest.slice(flag[0].length);
        }
        const words = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        const dest = words.pop() ?? "";
        stage.copies.push({
          line,
          from: flags.get("from"),
          chown: flags.get("chown"),
          link: flags.has("link"),
          sources: words,
          dest,
          destPath: path.posix.resolve(stage.workdir, dest),
        });
        break;
      }
    }
  }
  return { stages, problems };
}

interface LintContext {
  /** Paths relative to the build context's root. */
  exists(relPath: string): boolean;
  isDirectory(relPath: string): boolean;
  filesUnder(relPath: string): string[];
  ignored(relPath: string): boolean;
  scripts: Set<string>;
  dependencies: Set<string>;
  devDependencies: Set<string>;
  /** What the migrate image installs (prisma/engine/migrate-package.mjs). */
  migrateDependencies: Set<string>;
  /** What `npm run build` produces, relative to the project root. */
  buildOutputs: string[];
}

const repoContext: LintContext = {
  exists: (relPath) => existsSync(path.join(root, relPath)),
  isDirectory: (relPath) => statSync(path.join(root, relPath)).isDirectory(),
  filesUnder: (relPath) =>
    readdirSync(path.join(root, relPath), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.posix.join(path.relative(root, entry.parentPath).split(path.sep).join("/"), entry.name)),
  ignored,
  scripts: new Set(Object.keys(packageJson.scripts)),
  dependencies: new Set(Object.keys(packageJson.dependencies)),
  devDependencies: new Set(Object.keys(packageJson.devDependencies)),
  migrateDependencies: new Set(Object.keys(migratePackageJson(packageJson, engineSource).dependencies)),
  buildOutputs: Object.values(BUILD_OUTPUT),
};

const contextPath = (source: string) => path.posix.normalize(source).replace(/^(\.\/|\/)+/, "") || ".";

/** Where a stage's file `absPath` comes from, or undefined when nothing in the Dockerfile provides it. */
function originOf(stages: Stage[], stage: Stage, absPath: string, ctx: LintContext, depth = 0): string | undefined {
  if (depth > stages.length * 2) return undefined;
  // Produced in this stage by a RUN: the build's outputs, or an installed package's file.
  for (const run of stage.runs) {
    const rel = path.posix.relative(run.workdir, absPath);
    if (rel.startsWith("..")) continue;
    if (/\bnpm run build\b/.test(run.command) && ctx.buildOutputs.includes(rel)) {
      return `build output ${rel} (${label(stage)})`;
    }
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel)?.[1];
    if (pkg && /\bnpm (ci|install)\b/.test(run.command) && ctx.exists(rel)) {
      const installed = /migrate-package\.mjs/.test(run.command)
        ? ctx.migrateDependencies
        : /--omit[= ]dev\b/.test(run.command)
          ? ctx.dependencies
          : new Set([...ctx.dependencies, ...ctx.devDependencies]);
      if (installed.has(pkg)) return `${rel} of dependency ${pkg} (${label(stage)})`;
    }
  }
  // Copied in by this stage (later copies win).
  for (const copy of [...stage.copies].reverse()) {
    const intoDirectory = copy.dest.endsWith("/") || copy.dest === "." || copy.sources.length > 1;
    for (const source of copy.sources) {
      const candidates: string[] = [];
      if (intoDirectory && absPath === path.posix.join(copy.destPath, path.posix.basename(source))) candidates.push(source);
      if (!intoDirectory && absPath === copy.destPath) candidates.push(source);
      if (absPath.startsWith(`${copy.destPath}/`)) candidates.push(path.posix.join(source, path.posix.relative(copy.destPath, absPath)));
      for (const candidate of candidates) {
        if (copy.from === undefined) {
          const rel = contextPath(candidate);
          if (ctx.exists(rel) && !ctx.ignored(rel)) return `repository file ${rel}`;
          continue;
        }
        const from = stages.find((earlier) => earlier.name === copy.from!.toLowerCase() || String(earlier.index) === copy.from);
        const origin = from && originOf(stages, from, path.posix.resolve("/", candidate), ctx, depth + 1);
        if (origin) return origin;
      }
    }
  }
  return stage.parent ? originOf(stages, stage.parent, absPath, ctx, depth + 1) : undefined;
}

/** The file a command starts: `node [flags] <file>`, or the program itself. */
function startedFile(command: string[]): string | undefined {
  const [program, ...args] = command;
  if (program === undefined) return undefined;
  if (path.posix.basename(program) !== "node") return program;
  return args.find((arg) => !arg.startsWith("-"));
}

/** Problems with a Dockerfile, one readable line each; [] when none. */
function lintDockerfile(text: string, ctx: LintContext): string[] {
  const { stages, problems } = parseStages(parseInstructions(text));
  const names = stages.map((stage) => stage.name);

  for (const stage of stages) {
    const later = stages.slice(stage.index + 1).find((other) => other.name === stage.base.toLowerCase());
    if (later) problems.push(`line ${String(stage.line)}: FROM ${stage.base} names a later stage`);

    for (const copy of stage.copies) {
      const at = `line ${String(copy.line)}`;
      if (copy.from !== undefined) {
        const isStage = names.slice(0, stage.index).includes(copy.from.toLowerCase()) || Number(copy.from) < stage.index;
        const isImage = /[:/]/.test(copy.from);
        if (!isStage && !isImage) problems.push(`${at}: --from=${copy.from} names no earlier stage`);
      } else {
        for (const source of copy.sources) {
          const rel = contextPath(source);
          if (!ctx.exists(rel)) {
            problems.push(`${at}: COPY source ${source} does not exist`);
          } else if (ctx.ignored(rel)) {
            problems.push(`${at}: COPY source ${source} is excluded by .dockerignore`);
          } else if (rel !== "." && ctx.isDirectory(rel)) {
            const lost = ctx.filesUnder(rel).filter((file) => ctx.ignored(file));
            if (lost.length > 0) problems.push(`${at}: .dockerignore drops ${lost.slice(0, 3).join(", ")} from COPY ${source}`);
          }
        }
      }
      if (copy.link && copy.chown !== undefined && !/^\d+(:\d+)?$/.test(copy.chown)) {
        problems.push(`${at}: COPY --link --chown=${copy.chown} needs numeric ids (BuildKit cannot look names up in a --link layer)`);
      }
    }

    for (const run of stage.runs) {
      for (const match of run.command.matchAll(/\bnpm run(?:-script)?\s+([^\s;&|]+)/g)) {
        if (!ctx.scripts.has(match[1]!)) problems.push(`line ${String(run.line)}: npm run ${match[1]!}: package.json has no such script`);
      }
    }

    if (stage.cmd === undefined && stage.entrypoint === undefined) continue;
    if (typeof stage.cmd === "string" || typeof stage.entrypoint === "string") {
      problems.push(`${label(stage)}: CMD/ENTRYPOINT must use the exec form (["node", "file.js"]) so the process gets signals`);
      continue;
    }
    if (!stage.user || /^(root|0)(:|$)/.test(stage.user)) problems.push(`${label(stage)}: runs as root (add USER node)`);
    const file = startedFile([...(stage.entrypoint ?? []), ...(stage.cmd ?? [])]);
    if (!file) {
      problems.push(`${label(stage)}: cannot tell which file its command starts`);
      continue;
    }
    const absPath = path.posix.resolve(stage.workdir, file);
    if (!originOf(stages, stage, absPath, ctx)) {
      problems.push(
        `${label(stage)}: its command starts ${absPath}, which it does not copy in from a build output ` +
          "(src/scripts/build-output.ts), a dependency's file or the repository",
      );
    }
  }
  return problems;
}

const dockerfile = parseStages(parseInstructions(dockerfileText));
const stageNamed = (name: string) => dockerfile.stages.find((stage) => stage.name === name);

describe("Dockerfile", () => {
  it("passes the lint: sources, scripts, stages and started files all check out", () => {
    expect(lintDockerfile(dockerfileText, repoContext)).toEqual([]);
  });

  it("builds the three images from the official Node LTS slim image", () => {
    expect(dockerfileText).toMatch(/^ARG NODE_VERSION=24$/m);
    expect(dockerfile.stages[0]?.base).toBe("node:${NODE_VERSION}-bookworm-slim");
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(
      expect.arrayContaining(["deps", "build", "migrate-deps", "web", "worker", "migrate"]),
    );
    expect(dockerfile.stages.every((stage) => stage.env.NEXT_TELEMETRY_DISABLED === "1")).toBe(true);
  });

  it("starts each image's file from where the build puts it", () => {
    const origin = (stage: string, file: string) => originOf(dockerfile.stages, stageNamed(stage)!, file, repoContext);
    const { workdir } = stageNamed("web")!;
    expect(origin("web", path.posix.join(workdir, "server.js"))).toMatch(`build output ${BUILD_OUTPUT.webServer}`);
    // The standalone server serves the static assets the build copied beside it.
    expect(origin("web", path.posix.join(workdir, ".next/static"))).toMatch(`build output ${BUILD_OUTPUT.webStatic}`);
    expect(origin("worker", path.posix.join(workdir, "worker.mjs"))).toMatch(`build output ${BUILD_OUTPUT.worker}`);
    expect(origin("migrate", path.posix.join(workdir, "node_modules/prisma/build/index.js"))).toMatch(
      "node_modules/prisma/build/index.js of dependency prisma",
    );
    expect(origin("migrate", path.posix.join(workdir, "prisma/engine/schema-engine-wasm.mjs"))).toBe(
      "repository file prisma/engine/schema-engine-wasm.mjs",
    );
  });

  it("gives the migrate image the Prisma CLI and the wasm engine's imports only, at the pinned versions", () => {
    const { dependencies } = migratePackageJson(packageJson, engineSource);
    expect(Object.keys(dependencies)).toEqual(["@prisma/adapter-pg", "@prisma/driver-adapter-utils", "@prisma/schema-engine-wasm", "pg", "prisma"]);
    for (const [name, version] of Object.entries(dependencies)) expect(version).toBe(packageJson.dependencies[name]);
    // An import the project does not pin is an error, not a silent "latest".
    expect(() => migratePackageJson({ ...packageJson, dependencies: { prisma: "7.10.1" } }, engineSource)).toThrow(
      "@prisma/adapter-pg is imported by the schema engine but is not in package.json's dependencies",
    );
  });

  it("runs the images as `node`, listening on all interfaces", () => {
    for (const name of ["web", "worker", "migrate"]) expect(stageNamed(name)?.user).toBe("node");
    expect(stageNamed("web")?.env).toMatchObject({ NODE_ENV: "production", HOSTNAME: "0.0.0.0", PORT: "3000" });
    expect(stageNamed("worker")?.env).toMatchObject({ NODE_ENV: "production", WORKER_HOST: "0.0.0.0", WORKER_PORT: "4000" });
    expect(stageNamed("worker")?.cmd).toEqual(["node", "--enable-source-maps", "worker.mjs"]);
  });

  it("reports each problem of a broken Dockerfile", () => {
    const broken = [
      "FROM node:24-bookworm-slim AS base",
      "WORKDIR /app",
      "COPY package.json does-not-exist.json ./",
      "COPY node_modules/next/package.json ./",
      "FROM base AS build",
      "COPY . .",
      "RUN npm ci && \\",
      "    npm run bulid",
      "FROM base AS web",
      "COPY --from=biuld /app/.next/standalone ./",
      "COPY --link --chown=node:node --from=build /app/dist/worker.mjs ./",
      "CMD node server.js",
      "FROM base AS worker",
      "COPY --from=build /app/dist/worker.mjs ./",
      "USER node",
      'CMD ["node", "--enable-source-maps", "main.mjs"]',
    ].join("\n");
    const problems = lintDockerfile(broken, repoContext);
    expect(problems).toEqual(
      expect.arrayContaining([
        "line 3: COPY source does-not-exist.json does not exist",
        "line 4: COPY source node_modules/next/package.json is excluded by .dockerignore",
        "line 7: npm run bulid: package.json has no such script",
        "line 10: --from=biuld names no earlier stage",
        expect.stringContaining("line 11: COPY --link --chown=node:node needs numeric ids"),
        expect.stringContaining('stage "web": CMD/ENTRYPOINT must use the exec form'),
        expect.stringContaining('stage "worker": its command starts /app/main.mjs, which it does not copy in'),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it("traces a started file to a real build output, not just to any COPY", () => {
    // The worker bundle renamed in the Dockerfile only: dist/worker.js is no build output.
    const renamed = dockerfileText.replace(/dist\/worker\.mjs(?=[\s\]])/g, "dist/worker.js").replace('"worker.mjs"', '"worker.js"');
    expect(renamed).not.toBe(dockerfileText);
    expect(lintDockerfile(renamed, repoContext)).toEqual([
      expect.stringContaining('stage "worker": its command starts /app/worker.js'),
    ]);
    // The worker bundle renamed in src/scripts/build-output.ts only.
    const renamedOutput = {
      ...repoContext,
      buildOutputs: repoContext.buildOutputs.map((output) => (output === BUILD_OUTPUT.worker ? "dist/worker.js" : output)),
    };
    expect(lintDockerfile(dockerfileText, renamedOutput)).toEqual([
      expect.stringContaining('stage "worker": its command starts /app/worker.mjs'),
    ]);
    // A script run from a package the production install leaves out.
    const devOnly = dockerfileText.replace("node_modules/prisma/build/index.js", "node_modules/vitest/vitest.mjs");
    expect(lintDockerfile(devOnly, repoContext)).toEqual([
      expect.stringContaining('stage "migrate": its command starts /app/node_modules/vitest/vitest.mjs'),
    ]);
    // An image running as root.
    const asRoot = dockerfileText.replace(/(FROM base AS worker[\s\S]*?)USER node\n/, "$1");
    expect(lintDockerfile(asRoot, repoContext)).toEqual(['stage "worker": runs as root (add USER node)']);
  });
});

describe(".dockerignore", () => {
  it("keeps secrets, local state and host builds out of the build context", () => {
    for (const file of [".env", ".env.local", ".env.production.local", ".data/pglite/PG_VERSION", "node_modules/next/package.json",
      ".next/standalone/server.js", "dist/worker.mjs", "src/server/db/generated/client.ts", ".git/HEAD", "coverage/index.html"]) {
      expect(ignored(file), file).toBe(true);
    }
  });

  it("keeps what the image stages read", () => {
    for (const file of ["package.json", "package-lock.json", "next.config.js", "tsconfig.json", "prisma.config.ts",
      "prisma/schema.prisma", "prisma/engine/schema-engine-wasm.mjs", "src/scripts/build.ts", "src/app/layout.tsx"]) {
      expect(ignored(file), file).toBe(false);
    }
  });

  it("follows Docker's matching rules", () => {
    const match = dockerignoreMatcher("*.log\n!keep.log\nbuild/**/tmp\n/secret\n");
    expect(match("a.log")).toBe(true);
    expect(match("keep.log")).toBe(false);
    expect(match("dir/a.log")).toBe(false); // patterns are anchored at the root, unlike .gitignore
    expect(match("build/tmp/x")).toBe(true);
    expect(match("build/a/b/tmp")).toBe(true);
    expect(match("secret/key")).toBe(true);
  });
});

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
const SAMPLE_ENV = {
  POSTGRES_PASSWORD: PASSWORD,
  BETTER_AUTH_SECRET: SECRET,
  BETTER_AUTH_URL: "https://app.example.test",
  NEXT_PUBLIC_WORKER_URL: "https://worker.example.test",
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
    typeof envFile === "string" ? envFile : Object.entries(envFile).map(([key, value]) => `${key}=${value}\n`).join(""),
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
  const parsed = spawnSync(yamlPython(), ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"], {
    input: run.stdout,
    encoding: "utf8",
  });
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
      expect(stageNames.has(build!.target!), `Dockerfile stage ${name}`).toBe(true);
      expect(path.resolve(build!.context)).toBe(root);
    }
  });

  it("starts in order: postgres healthy → migrate done → web healthy → worker", () => {
    expect(conditions(services().migrate)).toEqual({ postgres: "service_healthy" });
    expect(conditions(services().web)).toEqual({ postgres: "service_healthy", migrate: "service_completed_successfully" });
    expect(conditions(services().worker)).toEqual({ migrate: "service_completed_successfully", web: "service_healthy" });
    for (const name of ["postgres", "web", "worker"]) expect(services()[name]?.healthcheck?.test, name).toBeDefined();
    expect(JSON.stringify(services().postgres?.healthcheck?.test)).toContain("pg_isready");
  });

  it("gives the web tier a valid environment whose worker URLs are the right ones", () => {
    const web = environmentOf(services().web);
    expect(() => parseEnv(web)).not.toThrow();
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
    expect(environmentOf(services().migrate)).toEqual({ DATABASE_URL: web.DATABASE_URL });
  });

  it("gives the worker no secret and no database, only the web tier's public keys", () => {
    const worker = environmentOf(services().worker);
    for (const name of ["BETTER_AUTH_SECRET", "DATABASE_URL", "POSTGRES_PASSWORD"]) expect(worker).not.toHaveProperty(name);
    const everything = JSON.stringify(services().worker);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(PASSWORD);
    const parsed = parseWorkerEnv(worker);
    expect(worker.BETTER_AUTH_URL).toBe(environmentOf(services().web).BETTER_AUTH_URL);
    expect(parsed.jwks).toBeInstanceOf(URL);
    expect((parsed.jwks as URL).host).toBe(`web:${stageNamed("web")!.env.PORT!}`);
    expect(parsed.corsOrigin).toBe(new URL(SAMPLE_ENV.BETTER_AUTH_URL).origin);
  });

  it("publishes the ports the images listen on", () => {
    const published = (service: ComposeService | undefined) => JSON.stringify(service?.ports);
    expect(published(services().web)).toMatch(new RegExp(`\\b${stageNamed("web")!.env.PORT!}\\b`));
    expect(published(services().worker)).toMatch(new RegExp(`\\b${stageNamed("worker")!.env.WORKER_PORT!}\\b`));
    expect(services().postgres?.ports).toBeUndefined();
  });

  it("works from a copy of .env.example with only the two secrets filled in", () => {
    // .env.example is written for `npm run dev` (WORKER_URL=http://localhost:4000…):
    // none of that may reach the containers' addresses.
    const example = readFileSync(path.join(root, ".env.example"), "utf8")
      .replace(/^BETTER_AUTH_SECRET=$/m, `BETTER_AUTH_SECRET=${SECRET}`)
      .replace(/^POSTGRES_PASSWORD=$/m, `POSTGRES_PASSWORD=${PASSWORD}`);
    const fromExample = resolvedConfig(example).services;
    const web = environmentOf(fromExample.web);
    expect(web.WORKER_URL).toBe(environmentOf(services().web).WORKER_URL);
    expect(web.NEXT_PUBLIC_WORKER_URL).toBe("http://localhost:4000");
    expect(web.BETTER_AUTH_URL).toBe("http://localhost:3000");
    expect(new URL(web.DATABASE_URL!).hostname).toBe("postgres");
    expect(environmentOf(fromExample.worker).WORKER_JWKS_URL).toBe(environmentOf(services().worker).WORKER_JWKS_URL);
  });

  it.each([
    ["BETTER_AUTH_SECRET", "set BETTER_AUTH_SECRET in .env, at least 32 characters"],
    ["POSTGRES_PASSWORD", "set POSTGRES_PASSWORD in .env"],
  ])("refuses to start without %s, saying what to do", (name, message) => {
    for (const env of [{ ...SAMPLE_ENV, [name]: undefined }, { ...SAMPLE_ENV, [name]: "" }]) {
      const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<string, string>;
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
        (error: { code?: number }) => error.code ?? -1,
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
