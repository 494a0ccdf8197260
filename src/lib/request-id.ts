/**
 * One id per user action, carried as `x-request-id` from the browser through
 * the web tier to the worker and printed in both processes' logs.
 */
export const REQUEST_ID_HEADER = "x-request-id";

// Accept a caller's id only if it is short and plain: it lands in log lines.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(value: string | null | undefined): string {
  return value && ACCEPTABLE.test(value) ? value : newRequestId();
}

/**
 * 128 random bits as hex. Not crypto.randomUUID(): browsers only offer that
 * on https or localhost, and the dashboard may be served over plain http.
 */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
