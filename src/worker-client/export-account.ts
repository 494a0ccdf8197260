/**
 * "Export my data": saves everything the user keeps here as one ZIP archive
 * (src/contract/account-export.ts), from the worker's `GET /account/export`
 * (src/worker/account/export.ts).
 *
 * In a client component, with the worker URL and session id the page has:
 *
 *   const http = useWorkerHttp(workerUrl, sessionId);   // ~/trpc/worker
 *   await exportAccount(http);   // rejects with a WorkerHttpError: show errorMessage(error)
 */
import { ACCOUNT_EXPORT_PATH, accountExportFileName } from "~/contract/account-export";
import { downloadAttachment } from "./download-attachment";
import type { WorkerHttpOptions } from "./worker-http";

/**
 * Rejects with a WorkerHttpError in words: one export of the user's is
 * already downloading (CONFLICT, reason `export_in_progress`), the worker is
 * busy or unavailable, the download broke off.
 */
export function exportAccount(options: WorkerHttpOptions): Promise<void> {
  return downloadAttachment(options, ACCOUNT_EXPORT_PATH, accountExportFileName(new Date()));
}
