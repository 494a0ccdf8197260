/**
 * The Dockerfile and .dockerignore, checked without a Docker engine by the
 * linter in dockerfile-lint.ts (which these tests also check can fail).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { BUILD_OUTPUT } from "../../tooling/build-output";
import { migratePackageJson } from "../../prisma/engine/migrate-package.mjs";
import {
  dockerignoreMatcher,
  lintDockerfile,
  originOf,
  parseDockerfile,
  repoLintContext,
} from "../support/dockerfile-lint";

const root = path.resolve(".");
const dockerfileText = readFileSync(path.join(root, "Dockerfile"), "utf8");
const engineSource = readFileSync(path.join(root, "prisma/engine/schema-engine-wasm.mjs"), "utf8");
const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const repoContext = repoLintContext(root);
const { ignored } = repoContext;

const dockerfile = parseDockerfile(dockerfileText);
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
    // The worker starts its extraction threads from this file, beside its own.
    expect(origin("worker", path.posix.join(workdir, path.basename(BUILD_OUTPUT.extractThread)))).toMatch(
      `build output ${BUILD_OUTPUT.extractThread}`,
    );
    expect(origin("migrate", path.posix.join(workdir, "node_modules/prisma/build/index.js"))).toMatch(
      "node_modules/prisma/build/index.js of dependency prisma",
    );
    expect(origin("migrate", path.posix.join(workdir, "prisma/engine/schema-engine-wasm.mjs"))).toBe(
      "repository file prisma/engine/schema-engine-wasm.mjs",
    );
    expect(origin("migrate", path.posix.join(workdir, "prisma/deploy.mjs"))).toBe("repository file prisma/deploy.mjs");
  });

  it("gives the worker image everything the build puts beside the bundle: threads' entry, chunks, shipped packages", () => {
    const { workdir } = stageNamed("worker")!;
    const besideWorker = Object.values(BUILD_OUTPUT).filter(
      (output) => output.startsWith("dist/") && output !== BUILD_OUTPUT.launcher,
    );
    expect(besideWorker).toEqual(expect.arrayContaining([BUILD_OUTPUT.workerChunks, BUILD_OUTPUT.workerPackages]));
    const inWorker = (output: string) => path.posix.join(workdir, path.posix.relative("dist", output));
    for (const output of besideWorker)
      expect(originOf(dockerfile.stages, stageNamed("worker")!, inWorker(output), repoContext), output).toMatch(
        `build output ${output}`,
      );
    // Where the bundle's imports of tesseract.js and sharp find them: a file inside the copied folder.
    expect(
      originOf(
        dockerfile.stages,
        stageNamed("worker")!,
        path.posix.join(workdir, "node_modules/sharp/package.json"),
        repoContext,
      ),
    ).toMatch(`build output ${BUILD_OUTPUT.workerPackages}/sharp/package.json`);
    // Without its COPY, the packages have no origin in the image.
    const without = parseDockerfile(dockerfileText.replace(/^COPY --from=build \/app\/dist\/node_modules .*\n/m, ""));
    const worker = without.stages.find((stage) => stage.name === "worker")!;
    expect(without.stages.length).toBe(dockerfile.stages.length);
    expect(originOf(without.stages, worker, inWorker(BUILD_OUTPUT.workerPackages), repoContext)).toBeUndefined();
  });

  it("gives the migrate image the Prisma CLI and the wasm engine's imports only, at the pinned versions", () => {
    const { dependencies } = migratePackageJson(packageJson, engineSource);
    expect(Object.keys(dependencies)).toEqual([
      "@prisma/adapter-pg",
      "@prisma/driver-adapter-utils",
      "@prisma/schema-engine-wasm",
      "pg",
      "prisma",
    ]);
    for (const [name, version] of Object.entries(dependencies)) expect(version).toBe(packageJson.dependencies[name]);
    // An import the project does not pin is an error, not a silent "latest".
    expect(() => migratePackageJson({ ...packageJson, dependencies: { prisma: "7.10.1" } }, engineSource)).toThrow(
      "@prisma/adapter-pg is imported by the schema engine but is not in package.json's dependencies",
    );
  });

  it("leaves the schema engine to prisma.config.ts: native where the build could download it, else wasm", () => {
    // No stage forces an engine: prisma/engine/select-engine.ts chooses at every CLI start.
    for (const stage of dockerfile.stages)
      expect(stage.env, String(stage.name)).not.toHaveProperty("PRISMA_SCHEMA_ENGINE_BINARY");
    const migrateDeps = stageNamed("migrate-deps")!
      .runs.map((run) => run.command)
      .join("\n");
    // The download is attempted (npm's --ignore-scripts skips it), and what was chosen is shown.
    expect(migrateDeps).toMatch(
      /--ignore-scripts[\s\S]*&&\s+node node_modules\/@prisma\/engines\/scripts\/postinstall\.js/,
    );
    expect(migrateDeps).toMatch(/node_modules\/prisma\/build\/index\.js --version/);
    // The native engine links against libssl3, which a slim image may lack: where it is downloaded
    // (so that Prisma picks the openssl-3.0.x build) and where it runs.
    for (const name of ["install", "migrate"]) {
      expect(
        stageNamed(name)!
          .runs.map((run) => run.command)
          .join("\n"),
        name,
      ).toMatch(/apt-get install -y --no-install-recommends libssl3\b/);
    }
    // buildah 1.28 (podman) refuses `COPY --link`; plain COPY builds the same images.
    expect(dockerfile.stages.flatMap((stage) => stage.copies).filter((copy) => copy.link)).toEqual([]);
  });

  it("runs the images as `node`, listening on all interfaces", () => {
    for (const name of ["web", "worker", "migrate"]) expect(stageNamed(name)?.user).toBe("node");
    expect(stageNamed("web")?.env).toMatchObject({ NODE_ENV: "production", HOSTNAME: "0.0.0.0", PORT: "3000" });
    expect(stageNamed("worker")?.env).toMatchObject({
      NODE_ENV: "production",
      WORKER_HOST: "0.0.0.0",
      WORKER_PORT: "4000",
    });
    expect(stageNamed("worker")?.cmd).toEqual(["node", "--enable-source-maps", "worker.mjs"]);
  });

  it("gives the worker image poppler's pdftotext, which it reads PDFs with (pdf.js where it is missing)", () => {
    const worker = /^FROM base AS worker$[\s\S]*?(?=^FROM |(?![\s\S]))/m.exec(dockerfileText)?.[0] ?? "";
    expect(worker).toMatch(/apt-get install -y --no-install-recommends poppler-utils\b/);
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
    const renamed = dockerfileText
      .replace(/dist\/worker\.mjs(?=[\s\]])/g, "dist/worker.js")
      .replace('"worker.mjs"', '"worker.js"');
    expect(renamed).not.toBe(dockerfileText);
    expect(lintDockerfile(renamed, repoContext)).toEqual([
      expect.stringContaining('stage "worker": its command starts /app/worker.js'),
    ]);
    // The worker bundle renamed in tooling/build-output.ts only.
    const renamedOutput = {
      ...repoContext,
      buildOutputs: repoContext.buildOutputs.map((output) =>
        output === BUILD_OUTPUT.worker ? "dist/worker.js" : output,
      ),
    };
    expect(lintDockerfile(dockerfileText, renamedOutput)).toEqual([
      expect.stringContaining('stage "worker": its command starts /app/worker.mjs'),
    ]);
    // A script run from a package the production install leaves out.
    const devOnly = dockerfileText.replace(
      'CMD ["node", "prisma/deploy.mjs"]',
      'CMD ["node", "node_modules/vitest/vitest.mjs"]',
    );
    expect(devOnly).not.toBe(dockerfileText);
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
    for (const file of [
      ".env",
      ".env.local",
      ".env.production.local",
      ".data/postgres/PG_VERSION",
      "node_modules/next/package.json",
      ".next/standalone/server.js",
      "dist/worker.mjs",
      "src/server/db/generated/client.ts",
      "src/worker/db/generated/types.ts",
      ".git/HEAD",
      "coverage/index.html",
      "tests/e2e/dashboard.e2e.ts",
      "tests/integration/web-to-worker.test.ts",
      "tests/containers/compose.test.ts",
      "bench/bench.ts",
      "docs/decisions/0001-eddsa-tokens-verified-against-jwks.md",
    ]) {
      expect(ignored(file), file).toBe(true);
    }
  });

  it("keeps what the image stages read", () => {
    for (const file of [
      "package.json",
      "package-lock.json",
      "next.config.js",
      "tsconfig.json",
      "prisma.config.ts",
      "prisma/schema.prisma",
      "prisma/engine/schema-engine-wasm.mjs",
      "scripts/build.ts",
      "scripts/start.ts",
      "tooling/build-output.ts",
      // The unit tests beside the code import them, and next build type-checks those tests.
      "tests/support/worker/token-signer.ts",
      "src/app/layout.tsx",
    ]) {
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
