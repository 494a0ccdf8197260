import { randomUUID } from "node:crypto";

import {
  errors,
  exportJWK,
  generateKeyPair,
  type CompactJWSHeaderParameters,
  type FlattenedJWSInput,
  type JWK,
} from "jose";
import { afterEach, describe, expect, it } from "vitest";

import { WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { KeysUnavailable, storedKeySource, type KeySource } from "~/worker/jwks";
import { keyTable } from "../../tests/support/worker/key-table";

async function publicJwk(kid: string): Promise<JWK & { kid: string }> {
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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started: KeySource[] = [];
afterEach(() => {
  for (const source of started.splice(0)) source.stop();
});

describe("storedKeySource", () => {
  it("reads once for any number of first lookups arriving together", async () => {
    const table = keyTable([await publicJwk("k1")]);
    const keys = storedKeySource(table.read, { cooldownMs: 1_000 });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))),
    );
    expect(outcomes).toEqual(Array(50).fill("found"));
    expect(table.reads).toBe(1);
  });

  it("reads at start and in the background, so a deleted key stops being found without any call asking", async () => {
    const table = keyTable([await publicJwk("retired"), await publicJwk("current")]);
    const keys = storedKeySource(table.read, { cooldownMs: 50, refreshMs: 200 });
    started.push(keys);
    keys.start();
    await sleep(50);
    expect(table.reads).toBe(1);
    expect(keys.usable("retired")).toBe(true);
    expect(await lookupOutcome(keys.lookup(headerFor("retired"), TOKEN))).toBe("found");

    table.remove("retired");
    await sleep(300);
    expect(table.reads).toBe(2);
    expect(keys.usable("retired")).toBe(false);
    expect(await lookupOutcome(keys.lookup(headerFor("retired"), TOKEN))).toBe("no_matching_key");
    expect(await lookupOutcome(keys.lookup(headerFor("current"), TOKEN))).toBe("found");
  });

  it("stops finding a key the instant it retires, without a read, and does not read again for it", async () => {
    const table = keyTable([await publicJwk("current")]);
    table.add(await publicJwk("retiring"), Date.now() + 150);
    const keys = storedKeySource(table.read, { cooldownMs: 0 });
    expect(await lookupOutcome(keys.lookup(headerFor("retiring"), TOKEN))).toBe("found");
    expect(keys.usable("retiring")).toBe(true);
    await sleep(200);
    expect(keys.usable("retiring")).toBe(false);
    expect(await lookupOutcome(keys.lookup(headerFor("retiring"), TOKEN))).toBe("no_matching_key");
    expect(await lookupOutcome(keys.lookup(headerFor("current"), TOKEN))).toBe("found");
    expect(table.reads).toBe(1);
  });

  it("reports a failed read as KeysUnavailable, not as an unknown key, and is not ready until a read works", async () => {
    const table = keyTable([await publicJwk("k1")]);
    table.failing = true;
    const keys = storedKeySource(table.read, { cooldownMs: 0 });
    expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("unavailable");
    expect(await keys.ready()).toBe(false);
    table.failing = false;
    expect(await keys.ready()).toBe(true);
    expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("found");
  });

  it("keeps verifying with the keys it has while background reads fail; not ready once they are old", async () => {
    const table = keyTable([await publicJwk("k1")]);
    const keys = storedKeySource(table.read, { cooldownMs: 0, refreshMs: 100 });
    started.push(keys);
    keys.start();
    await sleep(20);
    table.failing = true;
    await sleep(300);
    expect(table.reads).toBeGreaterThanOrEqual(3);
    expect(await lookupOutcome(keys.lookup(headerFor("k1"), TOKEN))).toBe("found");
    expect(await keys.ready()).toBe(false);
  });

  it("asks a failing database at most once per cooldown for unknown kids", async () => {
    const COOLDOWN_MS = 200;
    const table = keyTable([await publicJwk("k1")]);
    const keys = storedKeySource(table.read, { cooldownMs: COOLDOWN_MS });
    expect(await keys.ready()).toBe(true);
    table.failing = true;
    const lookups: Promise<unknown>[] = [];
    const begin = performance.now();
    while (performance.now() - begin < 1_000) {
      lookups.push(lookupOutcome(keys.lookup(headerFor(randomUUID()), TOKEN)));
      await sleep(5);
    }
    const outcomes = new Set(await Promise.all(lookups));
    expect([...outcomes]).toEqual(["unavailable"]);
    expect(table.reads).toBeLessThanOrEqual(2 + Math.ceil(1_000 / COOLDOWN_MS));
  });

  it("waits out the cooldown for an unknown kid, then looks it up on the re-read set", async () => {
    const table = keyTable([await publicJwk("k1")]);
    const keys = storedKeySource(table.read, { cooldownMs: 300 });
    expect(await keys.ready()).toBe(true);
    table.add(await publicJwk("k2"));
    const begin = performance.now();
    const [found, forged] = await Promise.all([
      lookupOutcome(keys.lookup(headerFor("k2"), TOKEN)),
      lookupOutcome(keys.lookup(headerFor(randomUUID()), TOKEN)),
    ]);
    expect([found, forged]).toEqual(["found", "no_matching_key"]);
    expect(table.reads).toBe(2);
    expect(performance.now() - begin).toBeGreaterThanOrEqual(250);
  });
});
