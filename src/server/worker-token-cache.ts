import { createTokenCache } from "~/worker-client/token-cache";

/**
 * This process's worker tokens, keyed by session id: filled by the server
 * link (src/server/worker-link.ts), emptied per session by Better Auth's
 * session-delete hook (src/server/auth.ts). A module of its own so that the
 * auth config and the link can both reach it without importing each other.
 */
export const workerTokenCache = createTokenCache();
