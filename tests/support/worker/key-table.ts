/**
 * The jwks table as the worker's key source sees it, in memory, for the unit
 * tests of jwks.ts and verify.ts: keys can be added, retired or deleted
 * between reads, the reads can be made to fail (a database that is down),
 * and every read is counted. tests/integration/worker-signing-keys.test.ts
 * reads the real table.
 */
import type { JWK } from "jose";

import type { PublicKey } from "~/worker/jwks";

export function keyTable(jwks: (JWK & { kid: string })[]) {
  const state = {
    keys: jwks.map((jwk): PublicKey => ({ jwk, usableUntil: Infinity })),
    /** While set, every read fails as a query to a stopped database does. */
    failing: false,
    reads: 0,
    add(jwk: JWK & { kid: string }, usableUntil = Infinity) {
      state.keys = [...state.keys, { jwk, usableUntil }];
    },
    remove(kid: string) {
      state.keys = state.keys.filter((key) => key.jwk.kid !== kid);
    },
    read: async (): Promise<PublicKey[]> => {
      state.reads++;
      await new Promise((resolve) => setImmediate(resolve));
      if (state.failing) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return state.keys.map((key) => ({ ...key }));
    },
  };
  return state;
}
