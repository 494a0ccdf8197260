/**
 * Deleting a document stops its reading within a second: while a document
 * is read, its row is looked up once a second, and the signal aborts when it
 * is gone (the reader process is ended, extract-pool.ts). Progress writes
 * notice it too, but OCR writes once a page, and a page can take a minute.
 */
import type { WorkerDb } from "../db";

const EVERY_MS = 1_000;

export function watchDeletion(
  db: WorkerDb,
  documentId: string,
  controller: AbortController,
  everyMs = EVERY_MS,
): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async () => {
    const row = await db
      .asWorker((tx) => tx.selectFrom("document").select("id").where("id", "=", documentId).executeTakeFirst(), {
        readOnly: true,
      })
      // The database unreachable for a moment says nothing of the document: the next look will.
      .catch(() => ({ id: documentId }));
    if (!row) controller.abort();
    else if (!stopped) timer = setTimeout(() => void check(), everyMs).unref();
  };
  timer = setTimeout(() => void check(), everyMs).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
