import type { Jwk, JwtOptions } from "better-auth/plugins";

import type { Prisma, PrismaClient } from "~/server/db/generated/client.ts";

// Better Auth's jwt plugin makes a key whenever a mint (or a key-set read)
// finds none live: at the first start and at every rotation. Each caller
// checks, then inserts, so a burst of mints made one key each (20–40 at
// once in tests/integration/signing-key-creation.test.ts) and the key set
// grew with every rotation. The check is repeated here, under a lock every
// web process on the database shares, so exactly one key is made.

/**
 * The transaction-level advisory lock all key creation takes, by name.
 * Transaction-level: PostgreSQL releases it at commit or rollback, so a
 * process that dies holding it cannot wedge the others.
 */
const KEY_CREATION_LOCK = "jwks: key creation";

/** Longer than a burst of mints queued on the lock should ever need; past it the mint fails (503) rather than hang. */
const LOCK_WAIT_MS = 10_000;

type Reader = Pick<PrismaClient, "jwks"> | Prisma.TransactionClient;
type CreateJwk = NonNullable<NonNullable<JwtOptions["adapter"]>["createJwk"]>;

/** The key a mint would sign with now: the newest live one of `alg` (how the jwt plugin picks it). */
export async function newestLiveKey(db: Reader, alg: string | undefined, now = new Date()): Promise<Jwk | undefined> {
  const row = await db.jwks.findFirst({
    where: { alg, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: { createdAt: "desc" },
  });
  return row ? toJwk(row) : undefined;
}

/**
 * The jwt plugin's `adapter.createJwk`: called with a freshly generated key
 * pair when a caller found no live key. Under the lock it looks again; if
 * another caller (in this process or another) made a key meanwhile, that key
 * is returned and this pair dropped, else the pair is stored.
 */
export function createSigningKeyOnce(db: PrismaClient): CreateJwk {
  return (key, ctx) =>
    db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${KEY_CREATION_LOCK}, 0))`;
        const now = new Date();
        const live = await newestLiveKey(tx, key.alg, now);
        if (live) return live;
        const id = ctx.context.generateId({ model: "jwks" });
        if (typeof id !== "string")
          throw new Error("jwks ids are made by the app (advanced.database.generateId must not be false)");
        // The plugin dated the pair when it generated it, possibly a while
        // before the lock was free: its lifetime starts now.
        const lifetime = key.expiresAt ? key.expiresAt.getTime() - key.createdAt.getTime() : undefined;
        const row = await tx.jwks.create({
          data: {
            ...key,
            id,
            createdAt: now,
            expiresAt: lifetime === undefined ? null : new Date(now.getTime() + lifetime),
          },
        });
        return toJwk(row);
      },
      { maxWait: LOCK_WAIT_MS, timeout: LOCK_WAIT_MS },
    );
}

function toJwk(row: Prisma.JwksGetPayload<object>): Jwk {
  return {
    id: row.id,
    publicKey: row.publicKey,
    privateKey: row.privateKey,
    createdAt: row.createdAt,
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
    // Written by the plugin from its own config (EdDSA / Ed25519 here).
    ...(row.alg ? { alg: row.alg as Jwk["alg"] } : {}),
    ...(row.crv ? { crv: row.crv as Jwk["crv"] } : {}),
  };
}
