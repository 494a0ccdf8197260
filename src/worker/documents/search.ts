/**
 * Full-text search over the caller's chunks: websearch_to_tsquery (quotes,
 * OR, -not, as people type them), ranked by ts_rank_cd, with a ts_headline
 * snippet. The snippet comes back as plain-text segments, matched or not,
 * never as markup: a document's HTML can never reach the page as HTML.
 */
import type { WorkerDb, WorkerTx } from "../db";
import type { searchInput } from "~/contract/document-inputs";
import type { SearchHit, SearchResults, SnippetSegment } from "~/contract/search-results";
import type { z } from "zod";

/**
 * ts_headline's match markers: two private-use characters that extraction
 * removes from every chunk, so they cannot come from a document.
 */
export const MATCH_START = "\uE000";
export const MATCH_END = "\uE001";

const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

/** A hit as the query returns it: the snippet still one marked string. */
type HitRow = Omit<SearchHit, "snippet"> & { headline: string };

/**
 * Ranks every match (that is what ranking means), then builds headlines for
 * the one page shown only: ts_headline re-parses the chunk and is the
 * costly step. Chunks of documents not yet ready are left out, so a
 * half-indexed document never shows up in part.
 */
export async function searchChunks(
  tx: WorkerTx,
  userId: string,
  config: string,
  input: z.output<typeof searchInput>,
): Promise<SearchResults> {
  const { query, documentId, page, pageSize } = input;
  const { rows } = await tx.query<HitRow>(
    `WITH q AS (SELECT websearch_to_tsquery($2::regconfig, $3) AS q),
     hits AS (
       SELECT c."documentId", c."ordinal", c."page", c."section", c."content", d."name", d."kind",
              ts_rank_cd(c."search", q.q) AS "rank"
       FROM "document_chunk" c
       JOIN "document" d ON d."id" = c."documentId" AND d."status" = 'ready'
       CROSS JOIN q
       WHERE c."userId" = $1 AND c."search" @@ q.q AND ($4::text IS NULL OR c."documentId" = $4)
       ORDER BY "rank" DESC, c."documentId", c."ordinal"
       LIMIT $5 OFFSET $6
     )
     SELECT h."documentId", h."name" AS "documentName", h."kind", h."ordinal", h."page", h."section", h."rank",
            ts_headline($2::regconfig, h."content", q.q, '${HEADLINE_OPTIONS}') AS "headline"
     FROM hits h CROSS JOIN q
     ORDER BY h."rank" DESC, h."documentId", h."ordinal"`,
    [userId, config, query, documentId ?? null, pageSize + 1, (page - 1) * pageSize],
  );
  return {
    hits: rows.slice(0, pageSize).map(({ headline, ...hit }) => ({ ...hit, snippet: toSegments(headline) })),
    page,
    pageSize,
    hasMore: rows.length > pageSize,
  };
}

/** Splits a headline at its markers: text in between is a match. */
export function toSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  let match = false;
  for (const piece of headline.split(/([\uE000\uE001])/u)) {
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
  const names = await db.asWorker(async (tx) => (await tx.query<{ cfgname: string }>("SELECT cfgname FROM pg_ts_config ORDER BY 1")).rows, {
    readOnly: true,
  });
  if (!names.some((row) => row.cfgname === config)) {
    throw new Error(`"${config}" is not a text-search configuration of this database; it has ${names.map((row) => row.cfgname).join(", ")}.`);
  }
}
