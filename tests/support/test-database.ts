import { randomBytes } from "node:crypto";
import pg from "pg";

import { errorMessage } from "~/contract/error-message";
import { startEmbeddedPostgres } from "../../tooling/embedded-postgres";
import { urlWithoutPassword } from "../../tooling/url-without-password";

export interface TestServer {
  /** A superuser URL on the server: CREATE DATABASE works there. */
  url: string;
  /** Which server, for the log line that says where a run made its databases. */
  description: string;
  stop(): Promise<void>;
}

export interface TestDatabase {
  url: string;
  /** Where it lives, for the log line that says which database a run used. */
  description: string;
  drop(): Promise<void>;
}

/**
 * The PostgreSQL server a test run makes its databases on: the one
 * TEST_DATABASE_URL names (only that variable, so that a DATABASE_URL meant
 * for `npm run dev` never gets test databases), or else a throwaway embedded
 * cluster of the run's own. A TEST_DATABASE_URL that does not answer is an
 * error, not a reason to test somewhere else.
 */
export async function startTestServer(): Promise<TestServer> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const unreachable = await probe(serverUrl);
    if (unreachable) {
      throw new Error(
        `TEST_DATABASE_URL (${urlWithoutPassword(serverUrl)}) does not answer: ${unreachable}. Start that server, or unset TEST_DATABASE_URL to test on an embedded PostgreSQL.`,
      );
    }
    return { url: serverUrl, description: "the server TEST_DATABASE_URL names", stop: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, description: "an embedded PostgreSQL started for this run", stop: embedded.stop };
}

/** A brand-new, empty database on the server `serverUrl` names (see startTestServer). */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
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

/** Runs one statement on a connection of its own and returns its rows. */
export async function queryOnce<Row extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
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
