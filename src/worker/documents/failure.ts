/**
 * Whether a failed document may be retried. A failure of the document itself
 * (extract/errors.ts's ExtractionFailureCode: damaged, password-protected, no
 * text, too large…) reads the same bytes on a retry and fails the same way;
 * only a failure of the run (a crash, a timeout, the worker stopped, every
 * attempt used up) may go better next time.
 *
 * Derived from what is stored: the row keeps the reason and not the code, and
 * ingest.ts writes one sentence for a run's failure and the extractor's
 * reason for a document's. A reason that is not that sentence is taken as the
 * document's own. When the row stores the code, this becomes a look-up of it.
 */
import type { DocumentStatus } from "~/contract/document-summary";

/** ingest.ts's reason when its attempts ran out on an error that was not the document's. */
const RUN_FAILURE_REASON = /^It could not be processed after \d+ attempts?\./;

export function isRetryable(status: DocumentStatus, failureReason: string | null): boolean {
  if (status !== "failed") return false;
  // No reason: nothing says the document is at fault, so a retry is worth it.
  return failureReason === null || RUN_FAILURE_REASON.test(failureReason);
}

/** The answer to a retry of a failure no retry can fix. */
export const NOT_RETRYABLE_MESSAGE =
  "Retrying cannot help: the file itself cannot be read, and a retry reads the same file. Delete it and upload a readable copy.";
