/**
 * Full-text search over the caller's chunks: websearch_to_tsquery (quotes,
 * OR, -not, as people type them) plus the symbol terms it cannot read
 * (search-terms.ts), chunks with the words as one phrase first, then by
 * ts_rank_cd, with a ts_headline snippet and, when little is found, a
 * suggestion from the user's own words (vocabulary.ts). The snippet comes back as plain-text segments, matched or not,
 * never as markup: a document's HTML can never reach the page as HTML.
 */
import { sql } from "kysely";

import type { WorkerDb, WorkerTx } from "../db";
import type { searchInput } from "~/contract/document-inputs";
import type { DocumentKind } from "~/contract/document-summary";
import type { SearchResults, SnippetSegment } from "~/contract/search-results";
import { negationsAsWritten, parseQuery, parsableSql, symbolTsquery, unparsable } from "./search-terms";
import { configsInUse, type SearchConfigs } from "./search-config";
import { SUGGEST_BELOW_HITS, suggestQuery } from "./vocabulary";
import type { z } from "zod";

/**
 * ts_headline's match markers: two private-use characters that extraction
 * removes from every chunk, so they cannot come from a document.
 */
export const MATCH_START = "\uE000";
export const MATCH_END = "\uE001";

const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Ranks every match (that is what ranking means), then builds headlines for
 * the one page shown only: ts_headline re-parses the chunk and is the
 * costly step. Chunks of documents not yet ready are left out, so a
 * half-indexed document never shows up in part.
 */
export async function searchChunks(
  tx: WorkerTx,
  userId: string,
  configs: SearchConfigs,
  input: z.output<typeof searchInput>,
): Promise<SearchResults> {
  const { page, pageSize } = input;
  // null and undefined both mean every document (the dashboard sends null).
  const documentId = input.documentId ?? undefined;
  const query = parseQuery(input.query);
  // The query in each configuration a document may be indexed with (search-config.ts), any of them matching.
  const inEach = (parse: "websearch_to_tsquery" | "phraseto_tsquery", text: string) =>
    sql`(${sql.join(
      configsInUse(configs).map((config) => sql`${sql.raw(parse)}(${config}::regconfig, ${text})`),
      sql` || `,
    )})`;
  // Symbol terms (C++, .NET) must each be there as written; the text part ranks and highlights.
  const symbols = query.symbols.length > 0 ? sql`${symbolTsquery(query.symbols)}::tsquery` : sql`''::tsquery`;
  const rows = await tx
    .with("q", (db) =>
      db.selectNoFrom([
        sql<string>`${inEach("websearch_to_tsquery", query.text)}`.as("q"),
        sql<string>`${inEach("websearch_to_tsquery", query.text)} && ${symbols}`.as("filter"),
        // The words in the order typed, next to each other: a line pasted from a page ranks that page first.
        sql<string>`${inEach("phraseto_tsquery", query.text.replaceAll('"', " "))}`.as("phrase"),
      ]),
    )
    .with("hits", (db) =>
      db
        .selectFrom("document_chunk as c")
        .innerJoin("document as d", (join) => join.onRef("d.id", "=", "c.documentId").on("d.status", "=", "ready"))
        .crossJoin("q")
        .select(["c.documentId", "c.ordinal", "c.page", "c.section", "c.content", "d.name", "d.kind", "d.searchConfig"])
        .select((eb) => eb.fn<number>("ts_rank_cd", [eb.ref("c.search"), eb.ref("q.q")]).as("rank"))
        .select((eb) => eb("c.search", "@@", eb.ref("q.phrase")).as("phrase"))
        .where("c.userId", "=", userId)
        .where((eb) => eb("c.search", "@@", eb.ref("q.filter")))
        .$if(documentId !== undefined, (qb) => qb.where("c.documentId", "=", documentId!))
        .orderBy("phrase", "desc")
        .orderBy("rank", "desc")
        .orderBy("c.documentId")
        .orderBy("c.ordinal")
        .limit(pageSize + 1)
        .offset((page - 1) * pageSize),
    )
    .selectFrom("hits as h")
    .crossJoin("q")
    // A page OCR read has its image and confidence; the join is on the page image's key.
    .leftJoin("document_page_image as i", (join) =>
      join.onRef("i.documentId", "=", "h.documentId").onRef("i.page", "=", "h.page"),
    )
    .select(["h.documentId", "h.name as documentName", "h.kind", "h.ordinal", "h.page", "h.section", "h.rank"])
    .select("i.confidence as ocrConfidence")
    .select((eb) =>
      eb
        .fn<string>("ts_headline", [
          sql`coalesce(${eb.ref("h.searchConfig")}, ${configs.text})::regconfig`,
          parsableSql(eb.ref("h.content")),
          eb.ref("q.q"),
          sql.lit(HEADLINE_OPTIONS),
        ])
        .as("headline"),
    )
    .orderBy("h.phrase", "desc")
    .orderBy("h.rank", "desc")
    .orderBy("h.documentId")
    .orderBy("h.ordinal")
    .execute();
  const hits = rows.slice(0, pageSize);
  return {
    // kind is a text column that only the worker writes, from DOCUMENT_KINDS.
    hits: hits.map(({ headline, kind, ocrConfidence, ...hit }) => ({
      ...hit,
      kind: kind as DocumentKind,
      ocrConfidence: ocrConfidence === null ? null : Math.round(ocrConfidence),
      snippet: toSegments(headline),
    })),
    page,
    pageSize,
    hasMore: rows.length > pageSize,
    suggestion:
      // All the hits there are, and few: what a typo finds.
      page === 1 && rows.length <= pageSize && hits.length < SUGGEST_BELOW_HITS
        ? ((await suggestQuery(tx, userId, input.query, documentId)) ??
          (hits.length === 0 ? negationsAsWritten(input.query) : null))
        : null,
  };
}

/** Splits a headline at its markers: text in between is a match. */
export function toSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  let match = false;
  for (const piece of unparsable(headline).split(/([\uE000\uE001])/u)) {
    if (piece === MATCH_START) match = true;
    else if (piece === MATCH_END) match = false;
    else if (piece) {
      const last = segments.at(-1);
      if (last?.match === match) last.text += piece;
      else segments.push({ text: piece, match });
    }
  }
  return segments;
}

/** Rejects, saying which exist, when `config` is no text-search configuration of the database. */
export async function checkSearchConfig(db: WorkerDb, config: string): Promise<void> {
  // A system catalog: not one of the tables schema.prisma types.
  const names = await db.asWorker(
    async (tx) => (await sql<{ cfgname: string }>`SELECT cfgname FROM pg_ts_config ORDER BY 1`.execute(tx)).rows,
    {
      readOnly: true,
    },
  );
  if (!names.some((row) => row.cfgname === config)) {
    throw new Error(
      `"${config}" is not a text-search configuration of this database; it has ${names.map((row) => row.cfgname).join(", ")}.`,
    );
  }
}
