import type { InsertObject } from "kysely";

import type { WorkerDatabase, WorkerTx } from "~/worker/db";
import { postgresOriginalStore } from "~/worker/documents/original-store";
import { INDEX_VERSION } from "~/worker/documents/reindex";

/**
 * A document's row and its original, written within `tx` as an upload writes
 * them (the original store, 1 MiB parts), without the upload's checks: for
 * tests that need a document in a given state, of any size or kind. Indexed
 * by this worker's version unless the row says otherwise, as an ingestion
 * would leave it: else every worker a test starts would queue it for
 * re-indexing (reindex.ts).
 */
export async function storeDocument(
  tx: WorkerTx,
  row: InsertObject<WorkerDatabase, "document"> & { id: string },
  bytes: Buffer,
): Promise<void> {
  await tx
    .insertInto("document")
    .values({ indexVersion: INDEX_VERSION, ...row })
    .execute();
  await postgresOriginalStore.put(
    tx,
    row.id,
    (async function* () {
      yield bytes;
    })(),
    bytes.length,
  );
}
