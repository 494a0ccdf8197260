import { randomBytes } from "node:crypto";
import pg from "pg";

import { errorMessage } from "~/contract/error-message";
import { startEmbeddedPostgres } from "../../tooling/embedded-postgres";

export interface TestDatabase {
  url: string;
  /** Where it lives, for the log line that says which database a run used. */
  description: string;
  drop(): Promise<void>;
}

/**
 * The PostgreSQL server TEST_DATABASE_URL (or DATABASE_URL) names, if it
 * answers; undefined means the tests fall back to embedded PGlite.
 */
export async function findTestServer(): Promise<string | undefined> {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) return undefined;
  const unreachable = await probe(serverUrl);
  if (!unreachable) return serverUrl;
  console.warn(`Test database server unreachable (${unreachable}); using embedded PGlite instead.`);
  return undefined;
}

/**
 * A brand-new, empty database: on `serverUrl` (see findTestServer) when
 * given, else on an in-memory embedded PGlite of its own.
 */
export async function createTestDatabase(serverUrl: string | undefined): Promise<TestDatabase> {
  if (serverUrl) return createOnServer(serverUrl);
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, description: "embedded PGlite (in memory)", drop: embedded.stop };
}

/** Runs one statement on a connection of its own and returns its rows. */
export async function queryOnce<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function probe(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return errorMessage(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createOnServer(serverUrl: string): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await queryOnce(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    description: `PostgreSQL database ${name} on ${url.host}`,
    // FORCE: a test that failed mid-way may still hold connections open.
    drop: async () => {
      await queryOnce(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
