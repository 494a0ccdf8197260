import { randomUUID } from "node:crypto";

import {
  errors,
  exportJWK,
  generateKeyPair,
  type CompactJWSHeaderParameters,
  type FlattenedJWSInput,
  type JWK,
} from "jose";
import { describe, expect, it } from "vitest";

import { WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { KeysUnavailable, remoteKeySource } from "~/worker/jwks";
import { serveJwks } from "../../tests/support/worker/jwks-server";

async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: WORKER_TOKEN_ALG };
}

const headerFor = (kid: string): CompactJWSHeaderParameters => ({ alg: WORKER_TOKEN_ALG, kid });
const lookupOutcome = (attempt: unknown) =>
  Promise.resolve(attempt).then(
    () => "found",
    (error: unknown) =>
      error instanceof errors.JWKSNoMatchingKey
        ? "no_matching_key"
        : error instanceof KeysUnavailable
          ? "unavailable"
          : error,
  );
// jwtVerify passes the token too; the lookup only reads its header.
const TOKEN = {} as FlattenedJWSInput;

describe("remoteKeySource", () => {
  it("fetches once for any number of first lookups arriving together", async () => {
    const jwks = await serveJwks([await publicJwk("k1")]);
    try {
      const keys = remoteKeySource(jwks.url, { cooldownMs: 1_000 });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))),
      );
      expect(outcomes).toEqual(Array(50).fill("found"));
      expect(jwks.fetches).toBe(1);
    } finally {
      await jwks.close();
    }
  });

  it("refetches a set older than maxAgeMs before use, so a withdrawn key stops being found", async () => {
    const jwks = await serveJwks([await publicJwk("retired"), await publicJwk("current")]);
    try {
      const keys = remoteKeySource(jwks.url, { cooldownMs: 60_000, maxAgeMs: 200 });
      expect(await lookupOutcome(keys.lookup(headerFor("retired"), TOKEN))).toBe("found");
      jwks.keys = jwks.keys.filter((key) => key.kid === "current");
      // Within maxAge the set is not fetched again (and the cooldown forbids a kid-driven refetch).
      expect(await lookupOutcome(keys.lookup(headerFor("retired"), TOKEN))).toBe("found");
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await lookupOutcome(keys.lookup(headerFor("retired"), TOKEN))).toBe("no_matching_key");
      expect(jwks.fetches).toBe(2);
    } finally {
      await jwks.close();
    }
  });

  it("reports a failed fetch as KeysUnavailable, not as an unknown key, and is not ready", async () => {
    const jwks = await serveJwks([await publicJwk("k1")]);
    try {
      jwks.status = 500;
      const keys = remoteKeySource(jwks.url, { cooldownMs: 0 });
      expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("unavailable");
      expect(await keys.ready()).toBe(false);
      jwks.status = 200;
      expect(await keys.ready()).toBe(true);
      expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("found");
    } finally {
      await jwks.close();
    }
  });

  it("asks an unreachable JWKS endpoint at most once per cooldown for unknown kids", async () => {
    const COOLDOWN_MS = 200;
    const jwks = await serveJwks([await publicJwk("k1")]);
    try {
      const keys = remoteKeySource(jwks.url, { cooldownMs: COOLDOWN_MS });
      expect(await keys.ready()).toBe(true);
      jwks.status = 500;
      const lookups: Promise<unknown>[] = [];
      const started = performance.now();
      while (performance.now() - started < 1_000) {
        lookups.push(lookupOutcome(keys.lookup(headerFor(randomUUID()), TOKEN)));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const outcomes = new Set(await Promise.all(lookups));
      expect([...outcomes].every((outcome) => outcome === "unavailable")).toBe(true);
      expect(jwks.fetches).toBeLessThanOrEqual(2 + Math.ceil(1_000 / COOLDOWN_MS));
    } finally {
      await jwks.close();
    }
  });

  it("does not follow a redirect to another key set", async () => {
    const elsewhere = await serveJwks([await publicJwk("k1")]);
    const redirecting = await serveJwks([]);
    try {
      redirecting.status = 302;
      const keys = remoteKeySource(redirecting.url, { cooldownMs: 0 });
      expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("unavailable");
      expect(elsewhere.fetches).toBe(0);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  it("waits out the cooldown for an unknown kid, then looks it up on the refetched set", async () => {
    const jwks = await serveJwks([await publicJwk("k1")]);
    try {
      const keys = remoteKeySource(jwks.url, { cooldownMs: 300 });
      expect(await keys.ready()).toBe(true);
      jwks.keys = [...jwks.keys, await publicJwk("k2")];
      const started = performance.now();
      const [found, forged] = await Promise.all([
        lookupOutcome(keys.lookup(headerFor("k2"), TOKEN)),
        lookupOutcome(keys.lookup(headerFor(randomUUID()), TOKEN)),
      ]);
      expect([found, forged]).toEqual(["found", "no_matching_key"]);
      expect(jwks.fetches).toBe(2);
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await jwks.close();
    }
  });
});
