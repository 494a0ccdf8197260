import "server-only";

import { headers } from "next/headers";

import { env } from "~/env";
import { errorMessage } from "~/contract/error-message";
import { REQUEST_ID_HEADER, requestIdFrom } from "~/contract/request-id";
import type { Session } from "~/server/auth";
import { logger } from "~/server/logger";
import { isWorkerClientError, toWebError, workerFor } from "~/server/worker-link";
import type { DocumentSummary } from "~/contract/document-summary";

/** The list as the page rendered it, or why it could not (in words for the user: never WORKER_URL). */
export type InitialDocuments = { documents: DocumentSummary[]; error: null } | { documents: null; error: string };

// The page waits for the list this long at most: a worker that hangs must
// not hold the whole dashboard. The section then fetches it itself.
const LIST_TIMEOUT_MS = 2_000;

/**
 * The user's documents for the dashboard's first render, read through the
 * web tier's link (the token cached per session, as for its tRPC calls): the
 * list is in the HTML, with no query cache to dehydrate.
 */
export async function loadDocuments(session: Session): Promise<InitialDocuments> {
  const requestId = requestIdFrom((await headers()).get(REQUEST_ID_HEADER));
  try {
    const documents = await workerFor(session, requestId, { timeoutMs: LIST_TIMEOUT_MS }).documents.list.query();
    return { documents, error: null };
  } catch (cause) {
    const error = isWorkerClientError(cause) ? toWebError(cause) : cause;
    logger.warn(
      { requestId, workerUrl: env().WORKER_URL, err: errorMessage(error) },
      "documents for the dashboard failed",
    );
    return { documents: null, error: errorMessage(error) };
  }
}
