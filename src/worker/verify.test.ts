import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { CompactSign, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { createLogger } from "~/worker/logger";
import { WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { createWorkerServer } from "~/worker/server";
import { storedKeySource } from "~/worker/jwks";
import { keyTable } from "../../tests/support/worker/key-table";
import { createTokenVerifier, type RejectReason, type TokenVerifier } from "~/worker/verify";
import { noRevocations } from "../../tests/support/worker/no-revocations";

const ISSUER = "http://localhost:3000";

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half as the web tier publishes it in its JWKS. */
  jwk: JWK & { kid: string };
}

async function newSigningKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: WORKER_TOKEN_ALG } };
}

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");
const fromB64url = (segment: string) => Buffer.from(segment, "base64url").toString("utf8");

/** The web tier's claims for a 15-minute token; an override of `undefined` leaves that claim out. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: "user_ada",
    sid: "session_ada",
    email: "ada@example.com",
    name: "Ada Lovelace",
    iss: ISSUER,
    aud: WORKER_AUDIENCE,
    iat: now,
    exp: now + 15 * 60,
    jti: randomUUID(),
    ...overrides,
  };
}

/**
 * A compact JWS over exactly this header and payload, signed with Ed25519.
 * WebCrypto rather than jose's signer, so headers jose would refuse to
 * produce (no alg, a numeric kid, unknown crit) can be signed too.
 * A string payload is taken as the raw payload text.
 */
async function jws(header: object, payload: unknown, key: CryptoKey): Promise<string> {
  const input = `${b64url(JSON.stringify(header))}.${b64url(typeof payload === "string" ? payload : JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign("Ed25519", key, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(signature))}`;
}

/** A token as the web tier mints it, with claims or header fields overridden. */
function mint(claimOverrides: Record<string, unknown> = {}, headerOverrides: object = {}, key: SigningKey = realKey) {
  return jws({ alg: WORKER_TOKEN_ALG, kid: key.kid, ...headerOverrides }, claims(claimOverrides), key.privateKey);
}

/** The standard claims signed with another algorithm, under the real kid. */
function signedWithAlg(alg: string, key: CryptoKey | Uint8Array) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims())))
    .setProtectedHeader({ alg, kid: realKey.kid })
    .sign(key);
}

function withSegment(token: string, index: number, replace: (segment: string) => string): string {
  const parts = token.split(".");
  parts[index] = replace(parts[index]!);
  return parts.join(".");
}

function flipCharAt(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === "A" ? "B" : "A") + text.slice(index + 1);
}

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The same bytes, another string: an Ed25519 signature (64 bytes, 86
 * characters) leaves 4 bits of its last character unused; decoders ignore
 * them, so setting one gave a second token that verified.
 */
function withUnusedBitSet(signature: string): string {
  const last = BASE64URL_ALPHABET.indexOf(signature.at(-1)!);
  return signature.slice(0, -1) + BASE64URL_ALPHABET.charAt(last | 1);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startWorker(verifier: TokenVerifier) {
  const worker = createWorkerServer({
    verifier,
    revocation: noRevocations(),
    logger: createLogger("silent"),
    corsOrigin: ISSUER,
  });
  return { url: await listen(worker.server), close: () => worker.close(1_000) };
}

interface TRPCErrorBody {
  error: { message: string; code: number; data: { code: string; httpStatus: number; reason: RejectReason | null } };
}

/** whoami through node:http, whose header arrays go out as repeated header lines (fetch would join them). */
function rawWhoami(
  baseUrl: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    httpRequest(`${baseUrl}/trpc/whoami`, { headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
      );
    })
      .on("error", reject)
      .end();
  });
}

async function callWhoami(baseUrl: string, authorization?: string) {
  const response = await fetch(`${baseUrl}/trpc/whoami`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    headers: [...response.headers].join("\n"),
    body: JSON.parse(text) as unknown,
  };
}

const realKey = await newSigningKey("web-key-1");
const impostorKey = await newSigningKey(realKey.kid);
const otherSetKey = await newSigningKey("another-app-key");
const rsaKey = await generateKeyPair("RS256");
const ecKey = await generateKeyPair("ES256");
const now = Math.floor(Date.now() / 1000);
const valid = await mint();

interface CorpusCase {
  name: string;
  authorization: string | undefined;
  reason: RejectReason;
}

const corpus: CorpusCase[] = [
  // The Authorization header itself
  { name: "no Authorization header", authorization: undefined, reason: "missing" },
  { name: "empty Authorization header", authorization: "", reason: "missing" },
  // HTTP drops a header value's surrounding whitespace, so this arrives empty.
  { name: "whitespace-only Authorization header", authorization: "   \t ", reason: "missing" },
  { name: "empty bearer", authorization: "Bearer ", reason: "malformed" },
  { name: "Basic scheme", authorization: "Basic x", reason: "malformed" },
  { name: "valid token under another scheme", authorization: `Token ${valid}`, reason: "malformed" },
  { name: "two credentials", authorization: `Bearer ${valid} ${valid}`, reason: "malformed" },
  {
    name: "non-ASCII garbage",
    authorization: Buffer.from("Bearer ☃.日本語.🔑", "utf8").toString("latin1"),
    reason: "malformed",
  },
  {
    name: "64 KB header segment",
    authorization: `Bearer ${await mint({}, { pad: "x".repeat(64 * 1024) })}`,
    reason: "malformed",
  },

  // Compact serialisation
  { name: "truncated to half", authorization: `Bearer ${valid.slice(0, valid.length / 2)}`, reason: "malformed" },
  {
    name: "signature removed (two segments)",
    authorization: `Bearer ${valid.split(".").slice(0, 2).join(".")}`,
    reason: "malformed",
  },
  {
    name: "empty signature segment",
    authorization: `Bearer ${withSegment(valid, 2, () => "")}`,
    reason: "bad_signature",
  },
  {
    name: "signature cut short",
    authorization: `Bearer ${withSegment(valid, 2, (s) => s.slice(0, 40))}`,
    reason: "bad_signature",
  },
  { name: "extra segment", authorization: `Bearer ${valid}.${b64url("more")}`, reason: "malformed" },
  { name: "five segments (JWE shape)", authorization: `Bearer ${valid}.a.b`, reason: "malformed" },
  {
    name: "bad base64 in header",
    authorization: `Bearer ${withSegment(valid, 0, (s) => `%${s.slice(1)}`)}`,
    reason: "malformed",
  },
  {
    name: "header is not JSON",
    authorization: `Bearer ${withSegment(valid, 0, () => b64url("{alg: EdDSA"))}`,
    reason: "malformed",
  },
  {
    name: "header is a JSON array",
    authorization: `Bearer ${withSegment(valid, 0, () => b64url("[1,2]"))}`,
    reason: "malformed",
  },
  {
    name: "header is JSON null",
    authorization: `Bearer ${withSegment(valid, 0, () => b64url("null"))}`,
    reason: "malformed",
  },
  {
    name: "header is not UTF-8",
    authorization: `Bearer ${withSegment(valid, 0, () => b64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))}`,
    reason: "malformed",
  },
  {
    name: "payload is a JSON array",
    authorization: `Bearer ${await jws({ alg: "EdDSA", kid: realKey.kid }, [1, 2], realKey.privateKey)}`,
    reason: "malformed",
  },
  {
    name: "payload is a JSON string",
    authorization: `Bearer ${await jws({ alg: "EdDSA", kid: realKey.kid }, JSON.stringify("str"), realKey.privateKey)}`,
    reason: "malformed",
  },
  {
    name: "payload is not JSON",
    authorization: `Bearer ${await jws({ alg: "EdDSA", kid: realKey.kid }, "sub=admin", realKey.privateKey)}`,
    reason: "malformed",
  },
  {
    name: "unknown critical header extension",
    authorization: `Bearer ${await mint({}, { crit: ["x-policy"], "x-policy": 1 })}`,
    reason: "malformed",
  },

  // Canonical base64url only: each of these decodes to the valid token's
  // bytes (or near them), and the first three verified before.
  { name: "padding appended to the signature", authorization: `Bearer ${valid}==`, reason: "malformed" },
  { name: "one padding character appended to the signature", authorization: `Bearer ${valid}=`, reason: "malformed" },
  {
    name: "unused bits set in the signature's last character",
    authorization: `Bearer ${withSegment(valid, 2, withUnusedBitSet)}`,
    reason: "malformed",
  },
  {
    name: "padding appended to the payload",
    authorization: `Bearer ${withSegment(valid, 1, (s) => `${s}=`)}`,
    reason: "malformed",
  },
  {
    name: "a '+' (standard base64) in the signature",
    authorization: `Bearer ${withSegment(valid, 2, (s) => `${s.slice(0, 10)}+${s.slice(11)}`)}`,
    reason: "malformed",
  },
  {
    name: "a signature of impossible length (4n+1 characters)",
    authorization: `Bearer ${withSegment(valid, 2, (s) => s.slice(0, 85))}`,
    reason: "malformed",
  },

  // Algorithm
  {
    name: 'alg "none", unsigned',
    authorization: `Bearer ${b64url(JSON.stringify({ alg: "none", kid: realKey.kid }))}.${b64url(JSON.stringify(claims()))}.`,
    reason: "bad_signature",
  },
  { name: "alg missing", authorization: `Bearer ${await mint({}, { alg: undefined })}`, reason: "bad_signature" },
  {
    name: 'fully-specified alg "Ed25519"',
    authorization: `Bearer ${await mint({}, { alg: "Ed25519" })}`,
    reason: "bad_signature",
  },
  {
    name: "HS256 with the public key's PEM as HMAC secret",
    authorization: `Bearer ${await signedWithAlg("HS256", new TextEncoder().encode(await exportSPKI(realKey.publicKey)))}`,
    reason: "bad_signature",
  },
  {
    name: "HS256 with the public key's raw bytes as HMAC secret",
    authorization: `Bearer ${await signedWithAlg("HS256", Buffer.from(realKey.jwk.x!, "base64url"))}`,
    reason: "bad_signature",
  },
  {
    name: "RS256 from an RSA key",
    authorization: `Bearer ${await signedWithAlg("RS256", rsaKey.privateKey)}`,
    reason: "bad_signature",
  },
  {
    name: "ES256 from a P-256 key",
    authorization: `Bearer ${await signedWithAlg("ES256", ecKey.privateKey)}`,
    reason: "bad_signature",
  },

  // Key
  { name: "unknown kid", authorization: `Bearer ${await mint({}, { kid: "no-such-key" })}`, reason: "unknown_key" },
  { name: "no kid", authorization: `Bearer ${await mint({}, { kid: undefined })}`, reason: "malformed" },
  { name: "empty kid", authorization: `Bearer ${await mint({}, { kid: "" })}`, reason: "malformed" },
  { name: "numeric kid", authorization: `Bearer ${await mint({}, { kid: 1 })}`, reason: "malformed" },
  {
    name: "another Ed25519 key under the real kid",
    authorization: `Bearer ${await mint({}, {}, impostorKey)}`,
    reason: "bad_signature",
  },
  {
    name: "another key set's key and kid",
    authorization: `Bearer ${await mint({}, {}, otherSetKey)}`,
    reason: "unknown_key",
  },
  {
    name: "attacker's key embedded in the header (jwk)",
    authorization: `Bearer ${await mint({}, { jwk: { ...impostorKey.jwk, kid: undefined } }, impostorKey)}`,
    reason: "bad_signature",
  },

  // Integrity
  {
    name: "tampered payload (sub changed)",
    authorization: `Bearer ${withSegment(valid, 1, (s) => b64url(JSON.stringify({ ...JSON.parse(fromB64url(s)), sub: "user_admin" })))}`,
    reason: "bad_signature",
  },
  {
    name: "tampered signature",
    authorization: `Bearer ${withSegment(valid, 2, (s) => flipCharAt(s, 10))}`,
    reason: "bad_signature",
  },
  {
    name: "tampered header (field added)",
    authorization: `Bearer ${withSegment(valid, 0, (s) => b64url(JSON.stringify({ ...JSON.parse(fromB64url(s)), typ: "JWT" })))}`,
    reason: "bad_signature",
  },

  // Time
  {
    name: "expired",
    authorization: `Bearer ${await mint({ iat: now - 20 * 60, exp: now - 5 * 60 })}`,
    reason: "expired",
  },
  { name: "nbf in the future", authorization: `Bearer ${await mint({ nbf: now + 10 * 60 })}`, reason: "not_yet_valid" },
  {
    name: "iat far in the future",
    authorization: `Bearer ${await mint({ iat: now + 60 * 60, exp: now + 75 * 60 })}`,
    reason: "not_yet_valid",
  },
  // The web tier's TTL is 15 minutes: a longer-lived token is not one it minted.
  {
    name: "a lifetime of a day",
    authorization: `Bearer ${await mint({ exp: now + 24 * 3600 })}`,
    reason: "bad_claims",
  },
  {
    name: "exp of 1e999 (Infinity once parsed)",
    authorization: `Bearer ${await jws({ alg: "EdDSA", kid: realKey.kid }, JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e999'), realKey.privateKey)}`,
    reason: "bad_claims",
  },

  // Audience and issuer
  { name: "wrong aud", authorization: `Bearer ${await mint({ aud: "web" })}`, reason: "wrong_audience" },
  { name: "aud missing", authorization: `Bearer ${await mint({ aud: undefined })}`, reason: "wrong_audience" },
  {
    name: "aud list without the worker",
    authorization: `Bearer ${await mint({ aud: ["web", "billing"] })}`,
    reason: "wrong_audience",
  },
  { name: "wrong iss", authorization: `Bearer ${await mint({ iss: "https://evil.example" })}`, reason: "wrong_issuer" },
  { name: "iss missing", authorization: `Bearer ${await mint({ iss: undefined })}`, reason: "wrong_issuer" },
  {
    name: "iss with a trailing slash",
    authorization: `Bearer ${await mint({ iss: `${ISSUER}/` })}`,
    reason: "wrong_issuer",
  },

  // Claims the worker relies on
  { name: "sub missing", authorization: `Bearer ${await mint({ sub: undefined })}`, reason: "bad_claims" },
  { name: "sub not a string", authorization: `Bearer ${await mint({ sub: 42 })}`, reason: "bad_claims" },
  { name: "sid missing", authorization: `Bearer ${await mint({ sid: undefined })}`, reason: "bad_claims" },
  { name: "jti missing", authorization: `Bearer ${await mint({ jti: undefined })}`, reason: "bad_claims" },
  { name: "jti empty", authorization: `Bearer ${await mint({ jti: "" })}`, reason: "bad_claims" },
  { name: "email missing", authorization: `Bearer ${await mint({ email: undefined })}`, reason: "bad_claims" },
  { name: "email empty", authorization: `Bearer ${await mint({ email: "" })}`, reason: "bad_claims" },
  {
    name: "name not a string",
    authorization: `Bearer ${await mint({ name: { first: "Ada" } })}`,
    reason: "bad_claims",
  },
  { name: "exp missing", authorization: `Bearer ${await mint({ exp: undefined })}`, reason: "bad_claims" },
  { name: "exp not a number", authorization: `Bearer ${await mint({ exp: "tomorrow" })}`, reason: "bad_claims" },
  { name: "iat missing", authorization: `Bearer ${await mint({ iat: undefined })}`, reason: "bad_claims" },
  { name: "iat not a number", authorization: `Bearer ${await mint({ iat: "now" })}`, reason: "bad_claims" },
  { name: "nbf not a number", authorization: `Bearer ${await mint({ nbf: "yesterday" })}`, reason: "bad_claims" },
];

describe("worker token corpus", () => {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    worker = await startWorker(createTokenVerifier({ issuer: ISSUER, jwks: { keys: [realKey.jwk] } }));
  });
  afterAll(() => worker.close());

  it("has distinct cases", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    expect(new Set(corpus.map((c) => c.authorization)).size).toBe(corpus.length);
  });

  it("answers a freshly minted token with its claims", async () => {
    const { status, body } = await callWhoami(worker.url, `Bearer ${valid}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      result: { data: { userId: "user_ada", sessionId: "session_ada", email: "ada@example.com" } },
    });
  });

  async function expectRefused({ authorization, reason }: CorpusCase) {
    const { status, text, headers, body } = await callWhoami(worker.url, authorization);
    expect(status).toBe(401);
    expect((body as TRPCErrorBody).error.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, reason });

    // Never echo the credential back (short ones like "x" would match by chance).
    const credential = authorization?.slice(authorization.indexOf(" ") + 1) ?? "";
    if (credential.length >= 20) {
      expect(text).not.toContain(credential);
      expect(headers).not.toContain(credential);
      for (const segment of credential.split(".").filter((s) => s.length >= 20)) expect(text).not.toContain(segment);
    }
  }

  it.each(corpus)("refuses $name: 401 $reason", expectRefused);

  it("refuses two Authorization headers, even when the first is valid: 401 malformed", async () => {
    // Node's req.headers keeps the first; a proxy in front may honour the other.
    for (const pair of [
      [`Bearer ${valid}`, `Bearer ${await mint({ sub: "user_mallory" })}`],
      [`Bearer ${valid}`, `Bearer ${valid}`],
      [`Bearer ${valid}`, "Basic x"],
    ]) {
      const { status, body } = await rawWhoami(worker.url, { authorization: pair });
      expect(status).toBe(401);
      expect((body as TRPCErrorBody).error.data.reason).toBe("malformed");
    }
    expect((await rawWhoami(worker.url, { authorization: [`Bearer ${valid}`] })).status).toBe(200);
  });

  it('accepts the lowercase "bearer" scheme', async () => {
    expect((await callWhoami(worker.url, `bearer ${await mint()}`)).status).toBe(200);
  });

  it("keeps answering a cached token on repeated calls", async () => {
    const token = await mint({ sub: "user_cached" });
    const answers = await Promise.all(Array.from({ length: 5 }, () => callWhoami(worker.url, `Bearer ${token}`)));
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body).toEqual(answers[0]!.body);
    }
  });

  it("still serves a valid token after the whole corpus", async () => {
    const { status, body } = await callWhoami(worker.url, `Bearer ${await mint()}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ result: { data: { userId: "user_ada" } } });
  });
});

describe("token lifetime against the TTL", () => {
  const TTL = 600;
  const TOLERANCE = 5;
  const verifier = () =>
    createTokenVerifier({
      issuer: ISSUER,
      jwks: { keys: [realKey.jwk] },
      tokenTtlSec: TTL,
      clockToleranceSec: TOLERANCE,
    });
  const at = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
  const reasonOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => "accepted",
      (error: unknown) => (error as { reason?: string }).reason,
    );

  afterEach(() => vi.useRealTimers());

  it("accepts a lifetime of up to the TTL plus the clock tolerance, refuses a longer one (bad_claims)", async () => {
    const issuedAt = at(0);
    expect(
      await reasonOf(verifier().verify(`Bearer ${await mint({ iat: issuedAt, exp: issuedAt + TTL + TOLERANCE })}`)),
    ).toBe("accepted");
    expect(
      await reasonOf(verifier().verify(`Bearer ${await mint({ iat: issuedAt, exp: issuedAt + TTL + TOLERANCE + 1 })}`)),
    ).toBe("bad_claims");
  });

  it("refuses a token issued longer ago than the TTL whose exp has not passed (expired)", async () => {
    // Lifetime TTL − 1 s within the rule; exp 3 s ago, within the tolerance.
    const token = await mint({ iat: at(-(TTL + 2 * TOLERANCE - 3)), exp: at(-3) });
    expect(await reasonOf(verifier().verify(`Bearer ${token}`))).toBe("expired");
  });

  it("stops answering a cached token when an uncached check would refuse it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const issuedAt = at(0);
    // exp is TTL + tolerance after iat: the token ages out (iat + TTL + tolerance) before it expires (exp + tolerance).
    const authorization = `Bearer ${await mint({ iat: issuedAt, exp: issuedAt + TTL + TOLERANCE })}`;
    const cached = verifier();
    expect(await reasonOf(cached.verify(authorization))).toBe("accepted");

    vi.setSystemTime((issuedAt + TTL + TOLERANCE - 1) * 1000);
    expect(await reasonOf(cached.verify(authorization))).toBe("accepted");
    vi.setSystemTime((issuedAt + TTL + TOLERANCE + 1) * 1000);
    expect(await reasonOf(verifier().verify(authorization))).toBe("expired");
    expect(await reasonOf(cached.verify(authorization))).toBe("expired");
  });
});

const keyStore = (table: ReturnType<typeof keyTable>, cooldownMs = 0) => storedKeySource(table.read, { cooldownMs });

describe("keys from the key store (the jwks table)", () => {
  it("is ready once the keys are read", async () => {
    const table = keyTable([realKey.jwk]);
    const verifier = createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table) });
    expect(await verifier.ready()).toBe(true);
    expect(table.reads).toBe(1);
    await expect(verifier.verify(`Bearer ${await mint()}`)).resolves.toMatchObject({ userId: "user_ada" });
  });

  it("verifies a token whose key is committed after the first read", async () => {
    const rotated = await newSigningKey("web-key-2");
    const table = keyTable([realKey.jwk]);
    const worker = await startWorker(createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table) }));
    try {
      expect((await callWhoami(worker.url, `Bearer ${await mint()}`)).status).toBe(200);
      const readsBefore = table.reads;

      const token = await mint({ sub: "user_rotated" }, {}, rotated);
      const early = await callWhoami(worker.url, `Bearer ${token}`);
      expect(early.status).toBe(401);
      expect((early.body as TRPCErrorBody).error.data.reason).toBe("unknown_key");

      table.add(rotated.jwk);
      const late = await callWhoami(worker.url, `Bearer ${token}`);
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ result: { data: { userId: "user_rotated" } } });
      expect(table.reads).toBeGreaterThan(readsBefore);
    } finally {
      await worker.close();
    }
  });

  it("accepts a key committed right after a read: its first calls wait for the next read instead of failing", async () => {
    const COOLDOWN_MS = 500;
    const rotated = await newSigningKey("web-key-3");
    const table = keyTable([realKey.jwk]);
    const worker = await startWorker(createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table, COOLDOWN_MS) }));
    try {
      expect((await callWhoami(worker.url, `Bearer ${await mint()}`)).status).toBe(200);
      expect(table.reads).toBe(1);

      // Rotation: the web tier commits a key and signs with it at once.
      table.add(rotated.jwk);
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) =>
          callWhoami(worker.url, `Bearer ${await mint({ sub: `user_${i}` }, {}, rotated)}`),
        ),
      );
      const waitedMs = performance.now() - started;

      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(answers[7]!.body).toMatchObject({ result: { data: { userId: "user_7" } } });
      // One read for all twenty, once the cooldown allowed it.
      expect(table.reads).toBe(2);
      expect(waitedMs).toBeLessThan(COOLDOWN_MS + 1_000);
    } finally {
      await worker.close();
    }
  });

  it("100 concurrent forged kids cost one read, then fail with unknown_key", async () => {
    const COOLDOWN_MS = 300;
    const table = keyTable([realKey.jwk]);
    const verifier = createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table, COOLDOWN_MS) });
    expect(await verifier.ready()).toBe(true);
    const forgedKids = await Promise.all(
      Array.from({ length: 100 }, () => mint({}, { kid: randomUUID() }, impostorKey)),
    );
    const started = performance.now();
    const reasons = await Promise.all(
      forgedKids.map((token) =>
        verifier.verify(`Bearer ${token}`).then(
          () => "accepted",
          (error: unknown) => (error as { reason?: string }).reason,
        ),
      ),
    );
    expect(reasons).toEqual(Array(100).fill("unknown_key"));
    expect(table.reads).toBe(2);
    expect(performance.now() - started).toBeLessThan(COOLDOWN_MS + 1_000);
  });

  it("forged kids arriving without pause cost at most one read per cooldown", async () => {
    const COOLDOWN_MS = 200;
    const RUN_MS = 1_000;
    const table = keyTable([realKey.jwk]);
    const verifier = createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table, COOLDOWN_MS) });
    expect(await verifier.ready()).toBe(true);
    const calls: Promise<unknown>[] = [];
    const started = performance.now();
    while (performance.now() - started < RUN_MS) {
      calls.push(
        verifier.verify(`Bearer ${await mint({}, { kid: randomUUID() }, impostorKey)}`).catch(() => undefined),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const readsDuringRun = table.reads;
    await Promise.all(calls);
    expect(calls.length).toBeGreaterThan(50);
    // The first read (ready), then one per cooldown at most.
    expect(readsDuringRun).toBeLessThanOrEqual(1 + Math.ceil(RUN_MS / COOLDOWN_MS));
    expect(table.reads).toBeLessThanOrEqual(2 + Math.ceil(RUN_MS / COOLDOWN_MS));
  });

  it("stops answering a remembered token once its key retires or is deleted", async () => {
    const retiring = await newSigningKey("web-key-retiring");
    const deleted = await newSigningKey("web-key-deleted");
    const table = keyTable([realKey.jwk, deleted.jwk]);
    table.add(retiring.jwk, Date.now() + 300);
    const keys = storedKeySource(table.read, { cooldownMs: 0, refreshMs: 100 });
    keys.start();
    try {
      const verifier = createTokenVerifier({ issuer: ISSUER, jwks: keys });
      const byRetiring = `Bearer ${await mint({}, {}, retiring)}`;
      const byDeleted = `Bearer ${await mint({}, {}, deleted)}`;
      const byCurrent = `Bearer ${await mint()}`;
      for (const authorization of [byRetiring, byDeleted, byCurrent])
        await expect(verifier.verify(authorization)).resolves.toMatchObject({ userId: "user_ada" });

      table.remove(deleted.kid);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const reasonOf = (authorization: string) =>
        verifier.verify(authorization).then(
          () => "accepted",
          (error: unknown) => (error as { reason?: string }).reason,
        );
      expect(await reasonOf(byRetiring)).toBe("unknown_key");
      expect(await reasonOf(byDeleted)).toBe("unknown_key");
      expect(await reasonOf(byCurrent)).toBe("accepted");
    } finally {
      keys.stop();
    }
  });

  it("answers 503, not 401 or 500, while the keys cannot be read, and /readyz says why", async () => {
    const table = keyTable([realKey.jwk]);
    table.failing = true;
    const worker = await startWorker(createTokenVerifier({ issuer: ISSUER, jwks: keyStore(table) }));
    try {
      const { status, body } = await callWhoami(worker.url, `Bearer ${await mint()}`);
      expect(status).toBe(503);
      expect((body as TRPCErrorBody).error).toMatchObject({
        message: "The worker cannot load its signing keys.",
        data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503, reason: null },
      });

      const ready = await fetch(`${worker.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: "not_ready",
        reason: "The signing keys could not be read from the database.",
      });
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);

      table.failing = false;
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      expect((await callWhoami(worker.url, `Bearer ${await mint()}`)).status).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
