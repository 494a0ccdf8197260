/**
 * Scans refused before OCR existed are read now: a worker at start queues
 * again every document that failed with the sentence it used to give a PDF
 * without a text layer. Its owner sees it go back to queued and become
 * ready, rather than having to find and upload it again.
 */
import type { Logger } from "~/worker/logger";
import type { WorkerDb } from "../db";
import type { JobQueue } from "../jobs/queue";
import { enqueueIngestion } from "./ingest-job";
import { MARK_CHANGED } from "./repository";

/** The reason ingestion gave a scanned PDF until OCR (INDEX_VERSION 2 and before), word for word. */
export const REFUSED_AS_SCANNED =
  "The PDF has no text layer (scanned?): OCR not supported. Upload a PDF with selectable text.";

/** Documents queued per transaction. */
const BATCH = 200;

export async function requeueRefusedScans(db: WorkerDb, queue: JobQueue, log: Logger): Promise<number> {
  let queued = 0;
  for (;;) {
    const ids = await db.asWorker(async (tx) => {
      // Taken and changed in one statement: a second worker starting meanwhile finds them queued already.
      const rows = await tx
        .updateTable("document")
        .set({ status: "queued", progress: 0, failureReason: null, ...MARK_CHANGED })
        .where("id", "in", (eb) =>
          eb
            .selectFrom("document")
            .select("id")
            .where("status", "=", "failed")
            .where("failureReason", "=", REFUSED_AS_SCANNED)
            .limit(BATCH)
            .forUpdate()
            .skipLocked(),
        )
        .returning("id")
        .execute();
      for (const { id } of rows) await enqueueIngestion(queue, tx, id, { singletonKey: `scan:${id}` });
      return rows;
    });
    queued += ids.length;
    if (ids.length < BATCH) break;
  }
  if (queued > 0) log.info({ documents: queued }, "scans refused before OCR queued again");
  return queued;
}
