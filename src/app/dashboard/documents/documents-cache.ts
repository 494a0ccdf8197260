/**
 * The rules by which the list on screen takes in news of a document, from
 * the live feed, an upload's answer, a mutation or a refetch: by id, and
 * never back in time. Every summary carries its changeSeq, which moves on
 * every change (a bigint, sent as a decimal string).
 */
import type { DocumentSummary } from "~/contract/document-summary";

/** Whether `candidate` is a later state of its document than `shown`. */
export function isNewer(
  candidate: Pick<DocumentSummary, "changeSeq">,
  shown: Pick<DocumentSummary, "changeSeq">,
): boolean {
  return BigInt(candidate.changeSeq) > BigInt(shown.changeSeq);
}

/**
 * The list with `document` in it: replacing the shown state of the same id
 * if it is newer (else the list unchanged, the same array), or added in its
 * place by upload time (newest first) if the list did not have it.
 */
export function upsertDocument(list: readonly DocumentSummary[], document: DocumentSummary): DocumentSummary[] {
  const index = list.findIndex((shown) => shown.id === document.id);
  if (index >= 0) {
    if (!isNewer(document, list[index]!)) return list as DocumentSummary[];
    return list.map((shown, at) => (at === index ? document : shown));
  }
  const at = list.findIndex((shown) => shown.createdAt < document.createdAt);
  return at < 0 ? [...list, document] : [...list.slice(0, at), document, ...list.slice(at)];
}

/**
 * A refetched list, keeping the shown state of any document the list on
 * screen already has in a later state (an event that arrived while the
 * request was out). What the refetch lacks is gone (deleted elsewhere).
 */
export function mergeFetched(
  shown: readonly DocumentSummary[] | undefined,
  fetched: DocumentSummary[],
): DocumentSummary[] {
  if (!shown) return fetched;
  const byId = new Map(shown.map((document) => [document.id, document]));
  return fetched.map((document) => {
    const current = byId.get(document.id);
    return current && isNewer(current, document) ? current : document;
  });
}

export function withoutDocument(list: readonly DocumentSummary[], id: string): DocumentSummary[] {
  return list.filter((document) => document.id !== id);
}
