/**
 * What an account export holds, read in one read-only transaction as
 * app_worker: the user's profile (the five columns of Better Auth's "user"
 * that migration 20261206210000_worker_reads_profile grants, nothing else of
 * it), their passkeys' names and dates (20261207062900_passkeys grants those,
 * never a key) and their documents' metadata, oldest first, each with the name its
 * original gets in the archive. The originals themselves are read afterwards,
 * a part at a time, as the archive is sent (export.ts).
 */
import { sql } from "kysely";

import type { WorkerDb } from "../db";
import { DOCUMENTS_FOLDER, type AccountExport } from "~/contract/account-export";
import { archiveNames } from "./archive-names";

/** One original to put in the archive. */
export interface ExportedOriginal {
  documentId: string;
  /** Its path in the archive. */
  file: string;
  sizeBytes: number;
  createdAt: Date;
}

export interface ExportContents {
  profile: AccountExport;
  originals: ExportedOriginal[];
}

/** The user's export as of now, or undefined when the user no longer exists. */
export async function readExportContents(
  db: WorkerDb,
  userId: string,
  exportedAt: Date,
): Promise<ExportContents | undefined> {
  const { user, passkeys, documents } = await db.asWorker(
    async (tx) => ({
      user: await tx
        .selectFrom("user")
        .select([
          "id",
          "name",
          "email",
          "emailVerified",
          // Prisma writes UTC into this timestamp without time zone, and
          // node-postgres would read it as the worker's local time.
          sql<Date>`"createdAt" AT TIME ZONE 'UTC'`.as("createdAt"),
        ])
        .where("id", "=", userId)
        .executeTakeFirst(),
      passkeys: await tx
        .selectFrom("passkey")
        .select(["name", sql<Date>`"createdAt" AT TIME ZONE 'UTC'`.as("createdAt")])
        .where("userId", "=", userId)
        .orderBy("createdAt")
        .orderBy("id")
        .execute(),
      documents: await tx
        .selectFrom("document")
        .select(["id", "name", "kind", "mimeType", "sizeBytes", "sha256", "status", "createdAt"])
        .where("userId", "=", userId)
        .orderBy("createdAt")
        .orderBy("id")
        .execute(),
    }),
    { readOnly: true },
  );
  if (!user) return undefined;

  const files = archiveNames(documents.map((document) => document.name)).map((name) => DOCUMENTS_FOLDER + name);
  return {
    profile: {
      exportedAt: exportedAt.toISOString(),
      user: { ...user, createdAt: user.createdAt.toISOString() },
      documents: documents.map((document, index) => ({
        id: document.id,
        name: document.name,
        file: files[index]!,
        kind: document.kind,
        mimeType: document.mimeType,
        sizeBytes: document.sizeBytes,
        sha256: document.sha256,
        status: document.status,
        createdAt: document.createdAt.toISOString(),
      })),
      passkeys: passkeys.map((passkey) => ({ name: passkey.name, createdAt: passkey.createdAt.toISOString() })),
    },
    originals: documents.map((document, index) => ({
      documentId: document.id,
      file: files[index]!,
      sizeBytes: document.sizeBytes,
      createdAt: document.createdAt,
    })),
  };
}
