/**
 * `npm run db:* -- <args>`: runs a Prisma CLI command against this project's
 * database, the same one `npm run dev` uses: DATABASE_URL when it is set,
 * otherwise the embedded PostgreSQL in .data/postgres (the running dev
 * server's, or one started for the command). Commands that need a shadow
 * database (migrate dev, migrate diff) get one as on any server: Prisma
 * creates a temporary database beside the main one and drops it after,
 * unless SHADOW_DATABASE_URL names one.
 *
 *   npm run db:migrate -- --name add_documents   # prisma migrate dev
 *   npm run db:status                            # prisma migrate status
 */
import path from "node:path";

import nextEnv from "@next/env";

import { errorMessage } from "~/contract/error-message";
import {
  DEV_DATA_DIR,
  runningEmbeddedPostgresUrl,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from "../tooling/embedded-postgres";
import { runPrisma } from "../tooling/prisma-cli";

const args = process.argv.slice(2);
nextEnv.loadEnvConfig(process.cwd(), true);

let embedded: EmbeddedPostgres | undefined;
let databaseUrl = process.env.DATABASE_URL;

if (!databaseUrl) {
  const dataDir = path.resolve(DEV_DATA_DIR);
  databaseUrl = await runningEmbeddedPostgresUrl(dataDir);
  if (databaseUrl) {
    console.log(`Database: embedded PostgreSQL of the running dev server (${databaseUrl})`);
  } else {
    try {
      embedded = await startEmbeddedPostgres({ dataDir });
    } catch (error) {
      console.error(errorMessage(error));
      process.exit(1);
    }
    databaseUrl = embedded.url;
    console.log(`Database: embedded PostgreSQL in ${path.relative(process.cwd(), dataDir)}, at ${databaseUrl}`);
  }
}

// Ctrl-C reaches Prisma too (one process group, not the database server's):
// this process waits for Prisma to end, then stops the database.
process.on("SIGINT", () => undefined);
let code = 1;
try {
  ({ code } = await runPrisma(args, {
    databaseUrl,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
    interactive: true,
  }));
} finally {
  await embedded?.stop();
}
process.exit(code);
