/**
 * Limits on one tRPC HTTP request, the same on the web tier's /api/trpc and
 * on the worker: a batch of N calls costs N procedure runs, so an unbounded
 * batch lets one request buy unbounded work. Both tiers read the defaults
 * from here; the worker's can be raised with WORKER_MAX_BATCH_CALLS.
 */

/** Most calls one batched request may carry; above it the request fails whole with 400. */
export const MAX_BATCH_CALLS = 20;

/** Largest request body read, in bytes; above it the request fails with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
