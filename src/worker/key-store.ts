/**
 * The worker's read of Better Auth's jwks table: the public halves of the
 * signing keys, as the web tier's /api/auth/jwks publishes them, read as
 * app_worker, whose grant covers every column but "privateKey" (migration
 * 20261207031500_worker_reads_public_keys).
 */
import { WORKER_TOKEN_ALG, WORKER_TOKEN_CRV } from "~/contract/worker-token";
import type { WorkerDb } from "./db";
import type { PublicKey } from "./jwks";

export interface KeyStoreOptions {
  /**
   * How long a key keeps verifying after its expiresAt (when the web tier
   * stopped signing with it): see retiredKeyVerifiesFor.
   */
  retiredForMs: number;
}

/**
 * How long a retired key still verifies. Better Auth publishes it for
 * JWT_GRACE_PERIOD after its expiresAt, and the worker never trusts it
 * longer. It trusts it no longer than the last token signed with it can be
 * valid either: minted at most at expiresAt, refused by the worker TTL plus
 * the clock tolerance later whatever its exp says (verify.ts). Past that
 * only a forgery could carry the key's kid, so a retired key that leaks
 * later signs nothing the worker accepts, even with the 30-day default grace.
 */
export function retiredKeyVerifiesFor({
  gracePeriodSec,
  tokenTtlSec,
  clockToleranceSec,
}: {
  gracePeriodSec: number;
  tokenTtlSec: number;
  clockToleranceSec: number;
}): number {
  return Math.min(gracePeriodSec, tokenTtlSec + clockToleranceSec) * 1000;
}

/** The keys that still verify, as a KeySource reads them. */
export function createKeyStore(db: WorkerDb, { retiredForMs }: KeyStoreOptions): { read: () => Promise<PublicKey[]> } {
  return {
    read: () =>
      db.asWorker(
        async (tx) => {
          const rows = await tx
            .selectFrom("jwks")
            .select(["id", "publicKey", "alg", "crv", "expiresAt"])
            // Every key ever made stays in the table (Better Auth deletes none): only the ones that may still verify.
            .where((eb) =>
              eb.or([eb("expiresAt", "is", null), eb("expiresAt", ">", new Date(Date.now() - retiredForMs))]),
            )
            .execute();
          const keys: PublicKey[] = [];
          for (const row of rows) {
            let jwk: unknown;
            try {
              jwk = JSON.parse(row.publicKey);
            } catch {
              continue; // not a key: no token can name it usefully
            }
            if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) continue;
            keys.push({
              // As the jwt plugin's JWKS route builds each entry.
              jwk: { alg: row.alg ?? WORKER_TOKEN_ALG, crv: row.crv ?? WORKER_TOKEN_CRV, ...jwk, kid: row.id },
              usableUntil: row.expiresAt === null ? Infinity : row.expiresAt.getTime() + retiredForMs,
            });
          }
          return keys;
        },
        { readOnly: true },
      ),
  };
}
