import type { TestProject } from "vitest/node";

import { migrateDeploy } from "../../tooling/prisma-cli";
import { createTestDatabase, findTestServer } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's migrated database; setup-env.ts makes it DATABASE_URL. */
    databaseUrl: string;
    /** Where tests that need more fresh databases make them ("" = embedded PGlite). */
    testServerUrl: string;
  }
}

// One database per `npm test` run, migrated exactly as a deployment is
// (`prisma migrate deploy`), and dropped at the end.
export default async function setup(project: TestProject) {
  const serverUrl = await findTestServer();
  const database = await createTestDatabase(serverUrl);
  console.log(`Tests use ${database.description}`);
  try {
    await migrateDeploy(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  project.provide("databaseUrl", database.url);
  project.provide("testServerUrl", serverUrl ?? "");
  return () => database.drop();
}
