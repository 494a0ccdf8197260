/**
 * What deleting an account takes besides the user row. Better Auth deletes
 * the row (and its sessions and accounts); the database's ON DELETE CASCADE
 * takes the documents, their originals and their chunks with it. The one
 * thing about a user that no foreign key reaches is their documents'
 * ingestion jobs, in pg-boss's tables: their data names a document id and
 * nothing else. These hooks remove them, as Better Auth's
 * `user.deleteUser.beforeDelete` / `afterDelete` (src/server/auth.ts).
 */
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { DOCUMENT_INGEST_QUEUE, JOB_SCHEMA } from "~/contract/ingest-queue";

export interface UserDataCleanup {
  /** Notes the user's document ids, while they can still be read. */
  beforeDelete: (user: { id: string }) => Promise<void>;
  /** Removes those documents' jobs, now that the documents are gone. */
  afterDelete: (user: { id: string }) => Promise<void>;
}

export function userDataCleanup(db: PrismaClient): UserDataCleanup {
  // From one hook to the other of the same deletion (one request, one
  // process). A deletion that fails between the two leaves its entry, which
  // the next attempt for that user replaces.
  const documentsOf = new Map<string, string[]>();
  return {
    async beforeDelete(user) {
      const documents = await db.document.findMany({ where: { userId: user.id }, select: { id: true } });
      documentsOf.set(
        user.id,
        documents.map((document) => document.id),
      );
    },

    // After the row is gone, not before: until then the account still works,
    // and a deletion can still fail. Jobs removed before it would leave the
    // user, should it fail, with documents queued that nothing will ever
    // ingest; and a Retry or an upload committed in between would enqueue a
    // job after the removal. Once the row is gone so are the documents (the
    // cascade), no upload can add one (its foreign key fails), and a job
    // still running finds nothing and ends quietly (src/worker/documents/ingest.ts).
    // An upload that commits between the two hooks leaves its job behind; it
    // too finds nothing, and pg-boss's retention removes it.
    async afterDelete(user) {
      const ids = documentsOf.get(user.id) ?? [];
      documentsOf.delete(user.id);
      if (ids.length === 0) return;
      // In every state, running ones included: pg-boss then settles nothing.
      await db.$executeRawUnsafe(
        `DELETE FROM "${JOB_SCHEMA}"."job" WHERE "name" = $1 AND "data"->>'documentId' = ANY($2::text[])`,
        DOCUMENT_INGEST_QUEUE,
        ids,
      );
    },
  };
}
