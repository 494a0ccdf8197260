/**
 * How a document's chunks are written, the one way for a first ingestion and
 * a re-index: each with its tsvector, the section weighted above the text,
 * markup-like text made parsable and symbol terms as lexemes of their own
 * (search-terms.ts).
 */
import { sql, type RawBuilder } from "kysely";

import type { WorkerTx } from "../db";
import type { Chunk } from "./extract/chunk";
import { parsableSql, symbolTermsOf, wordPartsOf } from "./search-terms";

/** Chunks per INSERT: one statement of a few hundred kilobytes. */
export const CHUNK_BATCH = 200;

export interface ChunkOwner {
  documentId: string;
  userId: string;
  regconfig: RawBuilder<unknown>;
}

/** Inserts `batch` (at most CHUNK_BATCH chunks); a chunk already there is left as it is. */
export async function insertChunks(tx: WorkerTx, owner: ChunkOwner, batch: readonly Chunk[]): Promise<void> {
  const { documentId, userId, regconfig } = owner;
  // One statement per batch: the chunks as arrays, unnested into rows.
  // Symbol terms never hold whitespace, so a space joins them.
  const texts = batch.map((chunk) => `${chunk.section ?? ""}\n${chunk.content}`);
  const rows = sql<{
    ordinal: number;
    page: number | null;
    section: string | null;
    content: string;
    terms: string;
    parts: string;
  }>`unnest(
    ${batch.map((chunk) => chunk.ordinal)}::int[], ${batch.map((chunk) => chunk.page ?? null)}::int[],
    ${batch.map((chunk) => chunk.section ?? null)}::text[], ${batch.map((chunk) => chunk.content)}::text[],
    ${texts.map((text) => symbolTermsOf(text).join(" "))}::text[], ${texts.map(wordPartsOf)}::text[])`.as<"t">(
    sql`t(ordinal, page, section, content, terms, parts)`,
  );
  await tx
    .insertInto("document_chunk")
    .columns(["documentId", "ordinal", "userId", "page", "section", "content", "search"])
    .expression((eb) =>
      eb.selectFrom(rows).select((t) => [
        t.val(documentId).as("documentId"),
        "t.ordinal",
        t.val(userId).as("userId"),
        "t.page",
        "t.section",
        "t.content",
        sql<string>`setweight(to_tsvector(${regconfig}, ${parsableSql(sql`coalesce(${t.ref("t.section")}, '')`)}), 'A')
          || setweight(to_tsvector(${regconfig}, ${parsableSql(t.ref("t.content"))}), 'B')
          || setweight(to_tsvector(${regconfig}, ${t.ref("t.parts")}), 'D')
          || array_to_tsvector(coalesce(string_to_array(nullif(${t.ref("t.terms")}, ''), ' '), '{}'))`.as("search"),
      ]),
    )
    .onConflict((conflict) => conflict.columns(["documentId", "ordinal"]).doNothing())
    .execute();
}
