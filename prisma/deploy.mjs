/**
 * The migrate image's command: `prisma migrate deploy`, then, when
 * WORKER_DB_PASSWORD is set, lets the role app_worker log in with it. The
 * migrations create app_worker and grant it exactly what the worker may read
 * (whether a session still exists); this gives the worker a login of its own,
 * so its container holds neither the database owner's password nor the auth
 * secret. Run on every deploy: the password is whatever the environment
 * holds now. Plain JavaScript: the image has Node, the Prisma CLI and pg.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import pg from "pg";

const cli = fileURLToPath(new URL("../node_modules/prisma/build/index.js", import.meta.url));
const deploy = spawnSync(process.execPath, [cli, "migrate", "deploy"], { stdio: "inherit" });
if (deploy.status !== 0) process.exit(deploy.status ?? 1);

const password = process.env.WORKER_DB_PASSWORD;
if (password) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters: the password goes in as an escaped literal.
    await client.query(`ALTER ROLE app_worker WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  console.log("app_worker can log in with WORKER_DB_PASSWORD: the worker's WORKER_DATABASE_URL.");
}
