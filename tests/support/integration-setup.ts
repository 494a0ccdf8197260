import type { TestProject } from "vitest/node";

import { migrateDeploy } from "../../tooling/prisma-cli";
import { createTestDatabase, startTestServer } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's migrated database; setup-env.ts makes it DATABASE_URL. */
    databaseUrl: string;
    /** The server tests that need more fresh databases make them on (createTestDatabase). */
    testServerUrl: string;
  }
}

// One database per `npm test` run, migrated exactly as a deployment is
// (`prisma migrate deploy`), and dropped at the end, with the embedded
// server when the run started one.
export default async function setup(project: TestProject) {
  const server = await startTestServer();
  try {
    const database = await createTestDatabase(server.url);
    console.log(`Tests use ${database.description} (${server.description})`);
    try {
      await migrateDeploy(database.url);
    } catch (error) {
      await database.drop();
      throw error;
    }
    project.provide("databaseUrl", database.url);
    project.provide("testServerUrl", server.url);
    return async () => {
      await database.drop();
      await server.stop();
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
