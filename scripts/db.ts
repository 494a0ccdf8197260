/**
 * `npm run db:* -- <args>`: runs a Prisma CLI command against this project's
 * database, the same one `npm run dev` uses: DATABASE_URL when it is set,
 * otherwise the embedded PostgreSQL in .data/pglite (the running dev server's,
 * or one started for the command). Commands that need a shadow database get
 * an in-memory PGlite, since the embedded server holds a single database.
 *
 *   npm run db:migrate -- --name add_documents   # prisma migrate dev
 *   npm run db:status                            # prisma migrate status
 */
import path from "node:path";

import nextEnv from "@next/env";

import {
  DEV_DATA_DIR,
  runningEmbeddedPostgresUrl,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from "../tooling/embedded-postgres";
import { runPrisma } from "../tooling/prisma-cli";

const args = process.argv.slice(2);
nextEnv.loadEnvConfig(process.cwd(), true);

const started: EmbeddedPostgres[] = [];
let databaseUrl = process.env.DATABASE_URL;
let shadowDatabaseUrl = process.env.SHADOW_DATABASE_URL;

if (!databaseUrl) {
  const dataDir = path.resolve(DEV_DATA_DIR);
  databaseUrl = await runningEmbeddedPostgresUrl(dataDir);
  if (databaseUrl) {
    console.log(`Database: embedded PostgreSQL served by the running dev server (${databaseUrl})`);
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir });
    started.push(embedded);
    databaseUrl = embedded.url;
    console.log(`Database: embedded PostgreSQL (PGlite) in ${path.relative(process.cwd(), dataDir)}`);
  }
  const needsShadow = args[0] === "migrate" && (args[1] === "dev" || args[1] === "diff");
  if (needsShadow && !shadowDatabaseUrl) {
    const shadow = await startEmbeddedPostgres();
    started.push(shadow);
    shadowDatabaseUrl = shadow.url;
  }
}

let code = 1;
try {
  ({ code } = await runPrisma(args, { databaseUrl, shadowDatabaseUrl, interactive: true }));
} finally {
  await Promise.all(started.map((db) => db.stop()));
}
process.exit(code);
