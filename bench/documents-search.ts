/**
 * Search at size: 100,000 chunks of generated prose (documents-text.ts)
 * written straight into the tables with SQL, indexed with the ingestion's
 * own expression, then one two-word query at a time, by four routes: the
 * worker's SQL (search.ts's searchChunks) run directly, bare and inside the
 * worker's READ ONLY transaction as app_worker (db.ts's asWorker); the
 * worker's documents.search over HTTP; the web tier's documents.search; and
 * the worker's /healthz, which is the HTTP round trip alone. The routes take
 * turns call by call (measureRoutes).
 *
 * The queries are pairs of mid-frequency words (each in a few percent of
 * the chunks, so a pair matches a few hundred): what a search with results
 * worth ranking looks like. The rarest words cost nothing and the commonest
 * rank half the table, neither of which is the typical search.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";

import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

import { createWorkerDb, type WorkerDatabase } from "~/worker/db";
import { searchInput } from "~/contract/document-inputs";
import { searchChunks } from "~/worker/documents/search";
import type { Headers } from "../tooling/app-client";
import { percentiles } from "../tooling/percentiles";
import { get } from "./client";
import { CONTENT_VOCABULARY, TextGenerator } from "./documents-text";
import { searchConfigsFor } from "~/worker/documents/search-config";
import { DEFAULT_SEARCH_CONFIG } from "~/worker/env";

/** The table's default size, and how it is cut into documents and sections. */
export const SEARCH_SIZE = { chunks: 100_000, chunksPerDocument: 100, chunksPerSection: 5 };
/** Calls per route, one at a time on one keep-alive connection, after WARMUP calls. */
export const SEARCH_RUN = { warmup: 50, calls: 500, queries: 20 };
/** The share of chunks a query word is in: mid frequencies. */
const QUERY_WORD_SHARE = { min: 0.03, max: 0.1 };
const SEARCH_CONFIG = DEFAULT_SEARCH_CONFIG;
const SEARCH_CONFIGS = searchConfigsFor(SEARCH_CONFIG, ["eng"]);
/** Distinct sentences the chunks are made of. */
const SENTENCE_POOL = 50_000;

export interface SeededChunks {
  seconds: number;
  chunks: number;
  documents: number;
  textChars: number;
  queries: string[];
  /** Matching chunks per query (each query's count, ascending). */
  matches: number[];
}

/** Inserts `chunks` chunks (rounded up to whole documents) for `userId`, an existing user, in documents already 'ready'. */
export async function seedChunks(
  databaseUrl: string,
  userId: string,
  chunks = SEARCH_SIZE.chunks,
): Promise<SeededChunks> {
  const begin = performance.now();
  const text = new TextGenerator(100_000);
  const documents = Math.ceil(chunks / SEARCH_SIZE.chunksPerDocument);
  // Chunks are drawn from a pool of generated sentences: generating 75 MB of
  // prose word by word takes longer than indexing it, and a pool this size
  // keeps every word's frequency.
  const pool = Array.from({ length: SENTENCE_POOL }, () => {
    const sentence = text.sentence();
    return { sentence, words: [...new Set(sentence.toLowerCase().match(/[a-z]+/gu))] };
  });
  const documentFrequency = new Map<string, number>();
  let textChars = 0;

  const clients = [new pg.Client({ connectionString: databaseUrl }), new pg.Client({ connectionString: databaseUrl })];
  await Promise.all(clients.map((client) => client.connect()));
  try {
    // The GIN index built once at the end, from its own definition, rather
    // than updated row by row: the same index, in a fraction of the time.
    const { rows: indexes } = await clients[0]!.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'document_chunk' AND indexdef LIKE '%USING gin%'`,
    );
    for (const index of indexes) await clients[0]!.query(`DROP INDEX "${index.name}"`);

    const pending: Promise<unknown>[] = [];
    for (let d = 0; d < documents; d++) {
      const id = randomUUID();
      const rows = {
        ordinal: [] as number[],
        page: [] as (number | null)[],
        section: [] as (string | null)[],
        content: [] as string[],
      };
      let section: string | null = null;
      for (let ordinal = 0; ordinal < SEARCH_SIZE.chunksPerDocument; ordinal++) {
        if (ordinal % SEARCH_SIZE.chunksPerSection === 0) section = text.title();
        const target = text.between(700, 1_500);
        const seen = new Set<string>();
        let content = "";
        for (;;) {
          const drawn = pool[Math.floor(text.random() * pool.length)]!;
          if (content.length + drawn.sentence.length + 1 > target && content) break;
          content += (content ? " " : "") + drawn.sentence;
          for (const word of drawn.words) seen.add(word);
        }
        for (const word of seen) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
        textChars += content.length;
        rows.ordinal.push(ordinal);
        rows.page.push(d % 3 === 0 ? Math.floor(ordinal / 2) + 1 : null);
        rows.section.push(section);
        rows.content.push(content);
      }
      const kind = ["pdf", "docx", "html", "markdown", "text"][d % 5]!;
      const name = `${text.title(3)}.${kind}`;
      // Two connections, one document in flight on each: PostgreSQL parses each batch on one core, and the machine has two.
      const client = clients[d % 2]!;
      pending.push(
        (async () => {
          await client.query("BEGIN");
          await client.query(
            `INSERT INTO "document" ("id", "userId", "name", "kind", "mimeType", "sizeBytes", "sha256", "status", "progress", "chunkCount")
             VALUES ($1, $2, $3, $4, 'application/octet-stream', $5, '', 'ready', 100, $6)`,
            [
              id,
              userId,
              name,
              kind,
              rows.content.reduce((sum, content) => sum + content.length, 0),
              rows.content.length,
            ],
          );
          // The tsvector as ingestion (ingest.ts) builds it: the section's words weigh A, the chunk's B.
          await client.query(
            `INSERT INTO "document_chunk" ("documentId", "ordinal", "userId", "page", "section", "content", "search")
             SELECT $1, t.ordinal, $2, t.page, t.section, t.content,
                    setweight(to_tsvector($3::regconfig, coalesce(t.section, '')), 'A') || setweight(to_tsvector($3::regconfig, t.content), 'B')
             FROM unnest($4::int[], $5::int[], $6::text[], $7::text[]) AS t(ordinal, page, section, content)`,
            [id, userId, SEARCH_CONFIG, rows.ordinal, rows.page, rows.section, rows.content],
          );
          await client.query("COMMIT");
        })(),
      );
      if (pending.length === 2) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    await clients[0]!.query(`SET maintenance_work_mem = '256MB'`);
    for (const index of indexes) await clients[0]!.query(index.definition);
    // The planner's statistics, as autovacuum leaves a table that has settled.
    await clients[0]!.query(`VACUUM ANALYZE "document", "document_chunk"`);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }

  const written = documents * SEARCH_SIZE.chunksPerDocument;
  const queries = pickQueries(documentFrequency, written, new TextGenerator(7));
  const matches = await countMatches(databaseUrl, userId, queries);
  return { seconds: (performance.now() - begin) / 1000, chunks: written, documents, textChars, queries, matches };
}

/** SEARCH_RUN.queries pairs of distinct mid-frequency content words. */
function pickQueries(documentFrequency: Map<string, number>, chunks: number, random: TextGenerator): string[] {
  const mid = CONTENT_VOCABULARY.filter((word) => {
    const share = (documentFrequency.get(word) ?? 0) / chunks;
    return share >= QUERY_WORD_SHARE.min && share <= QUERY_WORD_SHARE.max;
  });
  if (mid.length < 2)
    throw new Error(
      `only ${mid.length} words are in ${QUERY_WORD_SHARE.min * 100}–${QUERY_WORD_SHARE.max * 100} % of the chunks`,
    );
  return Array.from({ length: SEARCH_RUN.queries }, () => {
    const first = mid[random.between(0, mid.length - 1)]!;
    let second = first;
    while (second === first) second = mid[random.between(0, mid.length - 1)]!;
    return `${first} ${second}`;
  });
}

async function countMatches(databaseUrl: string, userId: string, queries: string[]): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts: number[] = [];
    for (const query of queries) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "document_chunk" WHERE "userId" = $1 AND "search" @@ websearch_to_tsquery($2::regconfig, $3)`,
        [userId, SEARCH_CONFIG, query],
      );
      counts.push(rows[0]!.n);
    }
    return counts.sort((a, b) => a - b);
  } finally {
    await client.end();
  }
}

export interface Latency {
  p50: number;
  p99: number;
  failed: number;
  /** Hits on the first page, summed over the calls (0 everywhere would mean the route searched nothing). */
  hits: number;
}

/** One search by one route: the hits on its first page, or undefined when the call failed. */
export type Route = (query: string) => Promise<number | undefined>;

interface OpenRoute {
  call: Route;
  close(): Promise<void>;
}

/**
 * Every route, one call at a time, taking turns call by call (route 1,
 * route 2, …, then the next query): whatever else the machine is doing
 * meanwhile falls on all of them alike, so their differences stay fair on
 * a busy machine. SEARCH_RUN.warmup turns, then SEARCH_RUN.calls measured.
 */
export async function measureRoutes<Name extends string>(
  routes: Partial<Record<Name, Route>>,
  queries: string[],
): Promise<Partial<Record<Name, Latency>>> {
  const names = (Object.keys(routes) as Name[]).filter((name) => routes[name] !== undefined);
  const latencies = new Map<Name, number[]>(names.map((name) => [name, []]));
  const failed = new Map<Name, number>(names.map((name) => [name, 0]));
  const hits = new Map<Name, number>(names.map((name) => [name, 0]));
  for (let turn = 0; turn < SEARCH_RUN.warmup + SEARCH_RUN.calls; turn++) {
    const query = queries[turn % queries.length]!;
    for (const name of names) {
      const begin = performance.now();
      const found = await routes[name]!(query);
      if (turn < SEARCH_RUN.warmup) continue;
      latencies.get(name)!.push(performance.now() - begin);
      if (found === undefined) failed.set(name, failed.get(name)! + 1);
      else hits.set(name, hits.get(name)! + found);
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      { ...percentiles(latencies.get(name)!), failed: failed.get(name)!, hits: hits.get(name)! },
    ]),
  ) as Partial<Record<Name, Latency>>;
}

/**
 * searchChunks on one connection of the bench's own: `bare`, one statement
 * as the database owner; `asWorker`, as the worker runs it (db.ts's
 * asWorker: BEGIN READ ONLY, SET LOCAL ROLE app_worker, the query, COMMIT).
 */
export async function rawSqlRoutes(
  databaseUrl: string,
  userId: string,
): Promise<{ bare: Route; asWorker: Route; close(): Promise<void> }> {
  const db = createWorkerDb(databaseUrl, { max: 2 });
  const inputOf = (query: string) => searchInput.parse({ query });
  const bare = new Kysely<WorkerDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }),
  });
  return {
    bare: async (query) => (await searchChunks(bare, userId, SEARCH_CONFIGS, inputOf(query))).hits.length,
    asWorker: async (query) =>
      (await db.asWorker((tx) => searchChunks(tx, userId, SEARCH_CONFIGS, inputOf(query)), { readOnly: true })).hits
        .length,
    async close() {
      await bare.destroy();
      await db.close();
    },
  };
}

/**
 * documents.search over tRPC's HTTP GET, one keep-alive connection: the
 * worker's (plain JSON) or the web tier's (superjson, `superjson: true`).
 * Undefined when the server has no such procedure (404).
 */
export async function httpSearchRoute(
  url: string,
  headers: Headers,
  probeQuery: string,
  { superjson = false }: { superjson?: boolean } = {},
): Promise<OpenRoute | undefined> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const callUrl = (query: string) =>
    `${url}?input=${encodeURIComponent(JSON.stringify(superjson ? { json: { query } } : { query }))}`;
  const probe = await get(callUrl(probeQuery), headers, agent);
  if (probe.status !== 200) {
    agent.destroy();
    if (probe.status === 404) return undefined;
    throw new Error(`GET ${url}: HTTP ${probe.status} ${probe.body.toString("utf8").slice(0, 300)}`);
  }
  return {
    async call(query) {
      const { status, body } = await get(callUrl(query), headers, agent);
      if (status !== 200) return undefined;
      const data = (JSON.parse(body.toString("utf8")) as { result: { data: unknown } }).result.data;
      return ((superjson ? (data as { json: unknown }).json : data) as { hits: unknown[] }).hits.length;
    },
    close: async () => agent.destroy(),
  };
}

/** The HTTP round trip alone: GET /healthz, which does no work, the same way. */
export function hopRoute(workerUrl: string): OpenRoute {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    call: async () => ((await get(`${workerUrl}/healthz`, {}, agent)).status === 200 ? 0 : undefined),
    close: async () => agent.destroy(),
  };
}
