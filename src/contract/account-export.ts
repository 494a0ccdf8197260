/**
 * "Export my data", as both sides name it: the worker streams the archive
 * (src/worker/account/export.ts) and the browser saves it
 * (src/worker-client/export-account.ts). The archive is a ZIP holding
 * PROFILE_FILE (an AccountExport as JSON) and every original the user
 * uploaded, as it was uploaded, under DOCUMENTS_FOLDER.
 */

/** GET: the archive, as an attachment. */
export const ACCOUNT_EXPORT_PATH = "/account/export";

export const PROFILE_FILE = "profile.json";
export const DOCUMENTS_FOLDER = "documents/";

/** The name the archive is saved under: the day it was made (UTC). */
export function accountExportFileName(madeAt: Date): string {
  return `account-export-${madeAt.toISOString().slice(0, 10)}.zip`;
}

/** What PROFILE_FILE holds. Times are ISO 8601 in UTC: the file is read by people and other programs. */
export interface AccountExport {
  exportedAt: string;
  user: {
    id: string;
    name: string;
    email: string;
    emailVerified: boolean;
    createdAt: string;
  };
  /** Oldest first. */
  documents: ExportedDocument[];
  /** The passkeys that sign in to the account, oldest first: what the account page lists, no key material. */
  passkeys: ExportedPasskey[];
}

export interface ExportedPasskey {
  /** The name the user gave it; null when it has none. */
  name: string | null;
  createdAt: string;
}

export interface ExportedDocument {
  id: string;
  /** The name it was uploaded with. */
  name: string;
  /** Where its original is in the archive: `name` made safe for any file system and unique there. */
  file: string;
  kind: string;
  mimeType: string;
  sizeBytes: number;
  /** Of the original's bytes, hex. */
  sha256: string;
  status: string;
  createdAt: string;
}
