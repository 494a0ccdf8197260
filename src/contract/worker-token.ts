/**
 * The token contract between the web tier (which mints) and the worker (which
 * verifies). Both sides import these values from here, so an audience or a
 * claim name can never drift between the two processes.
 */

/** `aud` of every worker token; the worker rejects any other audience. */
export const WORKER_AUDIENCE = "worker";

/** Where Better Auth's jwt plugin publishes the public keys (under /api/auth). */
export const JWKS_PATH = "/api/auth/jwks";

/** The only signing algorithm either side accepts (Ed25519 keys). */
export const WORKER_TOKEN_ALG = "EdDSA";

/** The curve of the signing keys. */
export const WORKER_TOKEN_CRV = "Ed25519";

/**
 * Seconds a worker token lives unless WORKER_TOKEN_TTL says otherwise. The
 * web tier mints tokens that long; the worker refuses any claiming longer.
 */
export const DEFAULT_WORKER_TOKEN_TTL = 900;

/**
 * Seconds a retired signing key stays published unless JWT_GRACE_PERIOD says
 * otherwise (30 days, Better Auth's own default). The worker reads the same
 * variable so it never trusts a key longer than the web tier publishes it.
 */
export const DEFAULT_JWT_GRACE_PERIOD = 30 * 24 * 3600;

/** What the exchange hands out: the compact JWT and when it stops working. */
export interface WorkerToken {
  token: string;
  /** Epoch milliseconds of the token's `exp`. */
  expiresAt: number;
}

/**
 * The `iss` both sides use for a web base URL: the two processes read the URL
 * from their own environment, so a trailing slash must not make them disagree.
 */
export function issuerFor(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}
