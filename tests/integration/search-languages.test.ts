import { randomUUID } from "node:crypto";

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { insertChunks } from "~/worker/documents/chunk-writer";
import { searchChunks } from "~/worker/documents/search";
import { searchConfigsFor, type SearchConfigs } from "~/worker/documents/search-config";
import { searchInput } from "~/contract/document-inputs";
import { DEFAULT_SEARCH_CONFIG } from "~/worker/env";
import { insertUser } from "../support/documents";
import { storeDocument } from "../support/worker/stored-document";

// A scan OCR read in German is stemmed as German (search-config.ts), and one
// search asks in every configuration in use: a German word's other forms
// find it, next to the English documents found as before.

const databaseUrl = inject("databaseUrl");
let db: WorkerDb;

beforeAll(() => {
  db = createWorkerDb(databaseUrl, { max: 2 });
});

afterAll(async () => {
  await db?.close();
});

async function readyDocument(userId: string, name: string, searchConfig: string, content: string): Promise<string> {
  const id = randomUUID();
  await db.asWorker(async (tx) => {
    await storeDocument(
      tx,
      {
        id,
        userId,
        name,
        kind: "image",
        mimeType: "image/png",
        sizeBytes: 1,
        sha256: "0".repeat(64),
        status: "ready",
        searchConfig,
      },
      Buffer.from([0]),
    );
    await insertChunks(tx, { documentId: id, userId, regconfig: sql`${searchConfig}::regconfig` }, [
      { ordinal: 0, page: 1, content },
    ]);
  });
  return id;
}

const find = (userId: string, configs: SearchConfigs, query: string) =>
  db.asWorker((tx) => searchChunks(tx, userId, configs, searchInput.parse({ query })), { readOnly: true });

describe("search in the configurations documents are indexed with", () => {
  it("finds a German scan by another form of its words, with a snippet, beside an English document", async () => {
    const userId = await insertUser(databaseUrl);
    const german = searchConfigsFor(DEFAULT_SEARCH_CONFIG, ["deu"]);
    const scan = await readyDocument(
      userId,
      "mietvertrag.png",
      german.scans,
      "Die Verträge der Häuser wurden gestern gekündigt.",
    );
    const notes = await readyDocument(userId, "notes.png", german.text, "The houses were sold yesterday.");

    const plural = await find(userId, german, "Häusern");
    expect(plural.hits.map((hit) => hit.documentId)).toEqual([scan]);
    expect(plural.hits[0]!.snippet.filter((segment) => segment.match).map((segment) => segment.text)).toEqual([
      "Häuser",
    ]);
    expect((await find(userId, german, "house")).hits.map((hit) => hit.documentId)).toEqual([notes]);
    // Searched in English alone, the German stem is not met.
    expect((await find(userId, searchConfigsFor(DEFAULT_SEARCH_CONFIG, ["eng"]), "Häusern")).hits).toEqual([]);
  });
});
