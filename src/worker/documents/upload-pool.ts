/**
 * Connections of the worker's documents pool. An upload holds one for as
 * long as its body takes to arrive (its transaction), so at most
 * MAX_UPLOADS_IN_FLIGHT run at once, MAX_UPLOADS_IN_FLIGHT_PER_USER
 * (src/contract/document-limits.ts) of one user, and the rest of the pool
 * stays for the ingestion and the queries.
 */
export const DOCUMENTS_POOL_SIZE = 8;
export const MAX_UPLOADS_IN_FLIGHT = 4;
