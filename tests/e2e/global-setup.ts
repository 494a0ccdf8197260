import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { TestProject } from "vitest/node";

import { PROJECT_ROOT } from "../../tooling/build-output";
import { buildProduction } from "../../tooling/production-build";
import { startTestServer } from "../support/test-database";
import { E2E_OUTPUT } from "./stack";

/** Secret values the build saw; none may reach what browsers download. */
export interface BuildCanaries {
  secret: string;
  databasePassword: string;
}

/** Which build the suite made, and with which canaries. */
interface BuildRecord {
  buildId: string;
  canaries: BuildCanaries;
}

declare module "vitest" {
  export interface ProvidedContext {
    canaries: BuildCanaries;
    /** The server e2e files make fresh databases on (createTestDatabase). */
    testServerUrl: string;
  }
}

// The whole suite runs against one production build, made here with secrets
// in its environment that the bundle scan then looks for. E2E_REUSE_BUILD=1
// skips the build when the one in .next is the last one this suite made.
export default async function setup(project: TestProject) {
  // Before the build: a TEST_DATABASE_URL that does not answer fails the run in a second, not minutes.
  const server = await startTestServer();
  console.log(`e2e: databases on ${server.description}`);
  project.provide("testServerUrl", server.url);
  try {
    mkdirSync(E2E_OUTPUT, { recursive: true });
    const record = path.join(E2E_OUTPUT, "build.json");
    const buildId = path.join(PROJECT_ROOT, ".next/BUILD_ID");
    const last = existsSync(record) ? (JSON.parse(readFileSync(record, "utf8")) as BuildRecord) : undefined;
    let canaries: BuildCanaries;
    if (
      process.env.E2E_REUSE_BUILD === "1" &&
      last &&
      existsSync(buildId) &&
      readFileSync(buildId, "utf8") === last.buildId
    ) {
      canaries = last.canaries;
      console.log(`e2e: reusing this suite's last build, ${last.buildId} (E2E_REUSE_BUILD=1)`);
    } else {
      canaries = {
        secret: `canary-secret-${randomBytes(16).toString("hex")}`,
        databasePassword: `canary-pw-${randomBytes(12).toString("hex")}`,
      };
      console.log("e2e: npm run build…");
      const started = performance.now();
      await buildProduction(
        {
          BETTER_AUTH_SECRET: canaries.secret,
          DATABASE_URL: `postgresql://app:${canaries.databasePassword}@db.invalid:5432/app`,
        },
        path.join(E2E_OUTPUT, "build.log"),
      );
      writeFileSync(record, JSON.stringify({ buildId: readFileSync(buildId, "utf8"), canaries } satisfies BuildRecord));
      console.log(`e2e: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    project.provide("canaries", canaries);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
