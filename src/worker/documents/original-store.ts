/**
 * Where a document's original bytes live. PostgreSQL by default: the parts
 * are written in the transaction that creates the document and its job, so
 * the three commit together or not at all (docs/decisions/0015).
 *
 * The interface is what an S3-compatible store would implement instead: `put`
 * streams to an object key before the transaction commits (an aborted upload
 * leaves an object to sweep, never a row without bytes), `open` reads it back,
 * `remove` runs after the row is gone.
 */
import { createHash } from "node:crypto";

import type { WorkerDb, WorkerTx } from "../db";

export interface StoredOriginal {
  sizeBytes: number;
  sha256: string;
}

/** More bytes arrived than the caller allowed: the upload is refused and its transaction rolled back. */
export class OriginalTooLarge extends Error {
  override name = "OriginalTooLarge";
  constructor(readonly limitBytes: number) {
    super(`The file is larger than ${limitBytes} bytes.`);
  }
}

export interface OriginalStore {
  /** Stores `body` as the original of `documentId`, within `tx`; throws OriginalTooLarge past `maxBytes`. */
  put(tx: WorkerTx, documentId: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredOriginal>;
  /**
   * The original's bytes, in order, a part at a time, each read in a short
   * transaction of its own: a slow reader holds no transaction open, nor one
   * of the pool's few connections. Ends early if the document is deleted
   * meanwhile: compare the bytes read with its size.
   */
  open(db: WorkerDb, documentId: string): AsyncIterable<Buffer>;
}

/** Part size: memory per upload in flight is one part; a 25 MB file is 25 rows. */
export const PART_BYTES = 1024 * 1024;

export const postgresOriginalStore: OriginalStore = {
  async put(tx, documentId, body, maxBytes) {
    const hash = createHash("sha256");
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let index = 0;
    const flush = async (bytes: Buffer) => {
      await tx.insertInto("document_part").values({ documentId, index: index++, bytes }).execute();
    };
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new OriginalTooLarge(maxBytes);
      hash.update(chunk);
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.byteLength;
      while (pendingBytes >= PART_BYTES) {
        const all = Buffer.concat(pending, pendingBytes);
        await flush(all.subarray(0, PART_BYTES));
        pending = [all.subarray(PART_BYTES)];
        pendingBytes = all.byteLength - PART_BYTES;
      }
    }
    if (pendingBytes > 0) await flush(Buffer.concat(pending, pendingBytes));
    return { sizeBytes: total, sha256: hash.digest("hex") };
  },

  async *open(db, documentId) {
    for (let index = 0; ; index++) {
      const part = await db.asWorker(
        async (tx) =>
          (
            await tx
              .selectFrom("document_part")
              .select("bytes")
              .where("documentId", "=", documentId)
              .where("index", "=", index)
              .executeTakeFirst()
          )?.bytes,
        { readOnly: true },
      );
      if (!part) return;
      yield part;
    }
  },
};
