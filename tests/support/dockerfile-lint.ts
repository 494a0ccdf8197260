/**
 * A small linter for this project's Dockerfile, run by dockerfile.test.ts
 * (there is no Docker engine to build it with): what each COPY reads exists
 * and reaches the build context past .dockerignore, each `npm run` names a
 * script, each `--from` an earlier stage, and the file each image starts is
 * one it copied in, traced back to the build output or package that makes it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import { BUILD_OUTPUT } from "../../tooling/build-output";
import { migratePackageJson } from "../../prisma/engine/migrate-package.mjs";

// ── .dockerignore ───────────────────────────────────────────────────────────

/**
 * Docker's .dockerignore rules: patterns are relative to the context root,
 * `*` and `?` stop at "/", `**` spans directories, `!` re-includes, the last
 * matching line wins, and a path is excluded when it or a parent matches.
 */
export function dockerignoreMatcher(text: string): (relPath: string) => boolean {
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
    const parts = path.posix
      .normalize(relPath)
      .replace(/^(\.\/|\/)+/, "")
      .split("/");
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

export interface Stage {
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

export interface LintContext {
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
  /** What `npm run build` produces, relative to the project root: files, and folders (named without an extension). */
  buildOutputs: string[];
}

const contextPath = (source: string) => path.posix.normalize(source).replace(/^(\.\/|\/)+/, "") || ".";

/** Where a stage's file `absPath` comes from, or undefined when nothing in the Dockerfile provides it. */
export function originOf(
  stages: Stage[],
  stage: Stage,
  absPath: string,
  ctx: LintContext,
  depth = 0,
): string | undefined {
  if (depth > stages.length * 2) return undefined;
  // Produced in this stage by a RUN: the build's outputs, or an installed package's file.
  for (const run of stage.runs) {
    const rel = path.posix.relative(run.workdir, absPath);
    if (rel.startsWith("..")) continue;
    // An output named without an extension is a folder (dist/chunks, dist/node_modules): its files are built too.
    const built = ctx.buildOutputs.some(
      (output) => rel === output || (path.posix.extname(output) === "" && rel.startsWith(`${output}/`)),
    );
    if (/\bnpm run build\b/.test(run.command) && built) {
      return `build output ${rel} (${label(stage)})`;
    }
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel)?.[1];
    if (pkg && /\bnpm (ci|install)\b/.test(run.command) && ctx.exists(rel)) {
      const installed = run.command.includes("migrate-package.mjs")
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
      if (intoDirectory && absPath === path.posix.join(copy.destPath, path.posix.basename(source)))
        candidates.push(source);
      if (!intoDirectory && absPath === copy.destPath) candidates.push(source);
      if (absPath.startsWith(`${copy.destPath}/`))
        candidates.push(path.posix.join(source, path.posix.relative(copy.destPath, absPath)));
      for (const candidate of candidates) {
        if (copy.from === undefined) {
          const rel = contextPath(candidate);
          if (ctx.exists(rel) && !ctx.ignored(rel)) return `repository file ${rel}`;
          continue;
        }
        const from = stages.find(
          (earlier) => earlier.name === copy.from!.toLowerCase() || String(earlier.index) === copy.from,
        );
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
export function lintDockerfile(text: string, ctx: LintContext): string[] {
  const { stages, problems } = parseStages(parseInstructions(text));
  const names = stages.map((stage) => stage.name);

  for (const stage of stages) {
    const later = stages.slice(stage.index + 1).find((other) => other.name === stage.base.toLowerCase());
    if (later) problems.push(`line ${String(stage.line)}: FROM ${stage.base} names a later stage`);

    for (const copy of stage.copies) {
      const at = `line ${String(copy.line)}`;
      if (copy.from !== undefined) {
        const isStage =
          names.slice(0, stage.index).includes(copy.from.toLowerCase()) || Number(copy.from) < stage.index;
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
            if (lost.length > 0)
              problems.push(`${at}: .dockerignore drops ${lost.slice(0, 3).join(", ")} from COPY ${source}`);
          }
        }
      }
      if (copy.link && copy.chown !== undefined && !/^\d+(:\d+)?$/.test(copy.chown)) {
        problems.push(
          `${at}: COPY --link --chown=${copy.chown} needs numeric ids (BuildKit cannot look names up in a --link layer)`,
        );
      }
    }

    for (const run of stage.runs) {
      for (const match of run.command.matchAll(/\bnpm run(?:-script)?\s+([^\s;&|]+)/g)) {
        if (!ctx.scripts.has(match[1]!))
          problems.push(`line ${String(run.line)}: npm run ${match[1]!}: package.json has no such script`);
      }
    }

    if (stage.cmd === undefined && stage.entrypoint === undefined) continue;
    if (typeof stage.cmd === "string" || typeof stage.entrypoint === "string") {
      problems.push(
        `${label(stage)}: CMD/ENTRYPOINT must use the exec form (["node", "file.js"]) so the process gets signals`,
      );
      continue;
    }
    if (!stage.user || /^(root|0)(:|$)/.test(stage.user))
      problems.push(`${label(stage)}: runs as root (add USER node)`);
    const file = startedFile([...(stage.entrypoint ?? []), ...(stage.cmd ?? [])]);
    if (!file) {
      problems.push(`${label(stage)}: cannot tell which file its command starts`);
      continue;
    }
    const absPath = path.posix.resolve(stage.workdir, file);
    if (!originOf(stages, stage, absPath, ctx)) {
      problems.push(
        `${label(stage)}: its command starts ${absPath}, which it does not copy in from a build output ` +
          "(tooling/build-output.ts), a dependency's file or the repository",
      );
    }
  }
  return problems;
}

/** The Dockerfile's stages (and any parse problems). */
export function parseDockerfile(text: string): { stages: Stage[]; problems: string[] } {
  return parseStages(parseInstructions(text));
}

/** The lint context of the repository at `root`: its files, .dockerignore, scripts and packages. */
export function repoLintContext(root: string): LintContext {
  const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const engineSource = readFileSync(path.join(root, "prisma/engine/schema-engine-wasm.mjs"), "utf8");
  return {
    exists: (relPath) => existsSync(path.join(root, relPath)),
    isDirectory: (relPath) => statSync(path.join(root, relPath)).isDirectory(),
    filesUnder: (relPath) =>
      readdirSync(path.join(root, relPath), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.posix.join(path.relative(root, entry.parentPath).split(path.sep).join("/"), entry.name)),
    ignored: dockerignoreMatcher(readFileSync(path.join(root, ".dockerignore"), "utf8")),
    scripts: new Set(Object.keys(packageJson.scripts)),
    dependencies: new Set(Object.keys(packageJson.dependencies)),
    devDependencies: new Set(Object.keys(packageJson.devDependencies)),
    migrateDependencies: new Set(Object.keys(migratePackageJson(packageJson, engineSource).dependencies)),
    buildOutputs: Object.values(BUILD_OUTPUT),
  };
}
