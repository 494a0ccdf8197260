/**
 * Each user's vocabulary: the distinct words of their documents, written with
 * the chunks and removed with the document, and the typo suggestions drawn
 * from it ("Did you mean memcheck?"). Only the user's own words can be
 * offered, so a suggestion never tells of another user's documents, and a
 * suggestion always finds something. Similarity is pg_trgm's, over a GIN
 * trigram index on the words.
 */
import { sql } from "kysely";

import type { WorkerTx } from "../db";
import type { ChunkOwner } from "./chunk-writer";
import type { Chunk } from "./extract/chunk";

/** Words per INSERT. */
const WORD_BATCH = 5_000;
/** A document's vocabulary stops here: beyond it the text is not words people type. */
const MAX_WORDS_PER_DOCUMENT = 100_000;
/** Whole runs of letters, 3 to 40 long: the words a suggestion can offer (a longer run is none). */
const WORD = /(?<![\p{L}\p{M}])\p{L}[\p{L}\p{M}]{2,39}(?![\p{L}\p{M}])/gu;
/** Unknown words of one query looked up, at most: each is one similarity search. */
const MAX_CORRECTED_WORDS = 5;
/** A search with fewer hits than this gets a suggestion, if one exists. */
export const SUGGEST_BELOW_HITS = 3;

/** The distinct words of the chunks, lower-cased, at most MAX_WORDS_PER_DOCUMENT. */
export function wordsOf(chunks: readonly Chunk[]): string[] {
  const words = new Set<string>();
  for (const chunk of chunks) {
    for (const [word] of chunk.content.toLowerCase().matchAll(WORD)) {
      words.add(word);
      if (words.size >= MAX_WORDS_PER_DOCUMENT) return [...words];
    }
  }
  return [...words];
}

/** Replaces the document's vocabulary with `words`. */
export async function writeWords(tx: WorkerTx, owner: ChunkOwner, words: readonly string[]): Promise<void> {
  await tx.deleteFrom("document_word").where("documentId", "=", owner.documentId).execute();
  for (let start = 0; start < words.length; start += WORD_BATCH) {
    const batch = words.slice(start, start + WORD_BATCH);
    await tx
      .insertInto("document_word")
      .columns(["documentId", "userId", "word"])
      .expression((eb) =>
        eb
          .selectFrom(sql<{ word: string }>`unnest(${batch}::text[])`.as<"w">(sql`w(word)`))
          .select((w) => [w.val(owner.documentId).as("documentId"), w.val(owner.userId).as("userId"), "w.word"]),
      )
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }
}

/**
 * The query with each word the user's documents (or the one document) do not
 * have replaced by the most similar word they do have; null when nothing
 * would change. Words that differ only in accents are the same word here, as
 * they are to the search.
 */
export async function suggestQuery(
  tx: WorkerTx,
  userId: string,
  query: string,
  documentId: string | undefined,
): Promise<string | null> {
  const words = [...new Set(Array.from(query.toLowerCase().matchAll(WORD), ([word]) => word))];
  if (words.length === 0) return null;
  const inScope = documentId === undefined ? sql`` : sql`AND v."documentId" = ${documentId}`;
  // The words it does have first, by the primary key: most searches stop here.
  const { rows: unknown } = await sql<{ input: string }>`
    SELECT w.input FROM unnest(${words}::text[]) AS w(input)
    WHERE NOT EXISTS (SELECT FROM document_word v WHERE v."userId" = ${userId} AND v.word = w.input ${inScope})`.execute(
    tx,
  );
  const rows: { input: string; word: string }[] = [];
  for (const { input } of unknown.slice(0, MAX_CORRECTED_WORDS)) {
    // The user's own words first, by the primary key, then compared: the cost is that user's
    // vocabulary, never everyone's (a trigram scan of the whole table was the planner's choice).
    const { rows: best } = await sql<{ word: string }>`
      WITH mine AS MATERIALIZED (SELECT v.word FROM document_word v WHERE v."userId" = ${userId} ${inScope})
      SELECT word FROM mine
      WHERE word % ${input}
      GROUP BY word
      ORDER BY max(similarity(word, ${input})) DESC, count(*) DESC, word
      LIMIT 1`.execute(tx);
    if (best[0]) rows.push({ input, word: best[0].word });
  }
  const replacements = new Map(
    rows
      .filter(({ input, word }) => withoutAccents(input) !== withoutAccents(word))
      .map(({ input, word }) => [input, word]),
  );
  if (replacements.size === 0) return null;
  return query.replace(WORD, (word) => replacements.get(word.toLowerCase()) ?? word);
}

function withoutAccents(word: string): string {
  return word.normalize("NFD").replace(/\p{M}/gu, "");
}
