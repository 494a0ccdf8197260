import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { CompactSign, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLogger } from "~/lib/logger";
import { WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/lib/worker-token-contract";
import { createWorkerServer } from "~/worker/server";
import { createTokenVerifier, type RejectReason, type TokenVerifier } from "~/worker/verify";

const ISSUER = "http://localhost:3000";

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half as the web tier publishes it in its JWKS. */
  jwk: JWK;
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
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims()))).setProtectedHeader({ alg, kid: realKey.kid }).sign(key);
}

function withSegment(token: string, index: number, replace: (segment: string) => string): string {
  const parts = token.split(".");
  parts[index] = replace(parts[index]!);
  return parts.join(".");
}

function flipCharAt(text: string, index: number): string {
  return text.slice(0, index) + (text[index] === "A" ? "B" : "A") + text.slice(index + 1);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startWorker(verifier: TokenVerifier) {
  const worker = createWorkerServer({ verifier, logger: createLogger("worker", "silent"), corsOrigin: ISSUER });
  return { url: await listen(worker.server), close: () => worker.close(1_000) };
}

interface TRPCErrorBody {
  error: { message: string; code: number; data: { code: string; httpStatus: number; reason: RejectReason | null } };
}

async function callWhoami(baseUrl: string, authorization?: string) {
  const response = await fetch(`${baseUrl}/trpc/whoami`, { headers: authorization === undefined ? {} : { authorization } });
  const text = await response.text();
  return { status: response.status, text, headers: [...response.headers].join("\n"), body: JSON.parse(text) as unknown };
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
  { name: "non-ASCII garbage", authorization: Buffer.from("Bearer ☃.日本語.🔑", "utf8").toString("latin1"), reason: "malformed" },
  {
    name: "64 KB header segment",
    authorization: `Bearer ${await mint({}, { pad: "x".repeat(64 * 1024) })}`,
    reason: "malformed",
  },

  // Compact serialisation
  { name: "truncated to half", authorization: `Bearer ${valid.slice(0, valid.length / 2)}`, reason: "malformed" },
  { name: "signature removed (two segments)", authorization: `Bearer ${valid.split(".").slice(0, 2).join(".")}`, reason: "malformed" },
  { name: "empty signature segment", authorization: `Bearer ${withSegment(valid, 2, () => "")}`, reason: "bad_signature" },
  { name: "signature cut short", authorization: `Bearer ${withSegment(valid, 2, (s) => s.slice(0, 40))}`, reason: "bad_signature" },
  { name: "extra segment", authorization: `Bearer ${valid}.${b64url("more")}`, reason: "malformed" },
  { name: "five segments (JWE shape)", authorization: `Bearer ${valid}.a.b`, reason: "malformed" },
  { name: "bad base64 in header", authorization: `Bearer ${withSegment(valid, 0, (s) => `%${s.slice(1)}`)}`, reason: "malformed" },
  { name: "header is not JSON", authorization: `Bearer ${withSegment(valid, 0, () => b64url("{alg: EdDSA"))}`, reason: "malformed" },
  { name: "header is a JSON array", authorization: `Bearer ${withSegment(valid, 0, () => b64url("[1,2]"))}`, reason: "malformed" },
  { name: "header is JSON null", authorization: `Bearer ${withSegment(valid, 0, () => b64url("null"))}`, reason: "malformed" },
  {
    name: "header is not UTF-8",
    authorization: `Bearer ${withSegment(valid, 0, () => b64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))}`,
    reason: "malformed",
  },
  { name: "payload is a JSON array", authorization: `Bearer ${await jws({ alg: "EdDSA", kid: realKey.kid }, [1, 2], realKey.privateKey)}`, reason: "malformed" },
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
  { name: "unknown critical header extension", authorization: `Bearer ${await mint({}, { crit: ["x-policy"], "x-policy": 1 })}`, reason: "malformed" },

  // Algorithm
  {
    name: 'alg "none", unsigned',
    authorization: `Bearer ${b64url(JSON.stringify({ alg: "none", kid: realKey.kid }))}.${b64url(JSON.stringify(claims()))}.`,
    reason: "bad_signature",
  },
  { name: "alg missing", authorization: `Bearer ${await mint({}, { alg: undefined })}`, reason: "bad_signature" },
  { name: 'fully-specified alg "Ed25519"', authorization: `Bearer ${await mint({}, { alg: "Ed25519" })}`, reason: "bad_signature" },
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
  { name: "RS256 from an RSA key", authorization: `Bearer ${await signedWithAlg("RS256", rsaKey.privateKey)}`, reason: "bad_signature" },
  { name: "ES256 from a P-256 key", authorization: `Bearer ${await signedWithAlg("ES256", ecKey.privateKey)}`, reason: "bad_signature" },

  // Key
  { name: "unknown kid", authorization: `Bearer ${await mint({}, { kid: "no-such-key" })}`, reason: "unknown_key" },
  { name: "no kid", authorization: `Bearer ${await mint({}, { kid: undefined })}`, reason: "malformed" },
  { name: "empty kid", authorization: `Bearer ${await mint({}, { kid: "" })}`, reason: "malformed" },
  { name: "numeric kid", authorization: `Bearer ${await mint({}, { kid: 1 })}`, reason: "malformed" },
  { name: "another Ed25519 key under the real kid", authorization: `Bearer ${await mint({}, {}, impostorKey)}`, reason: "bad_signature" },
  { name: "another key set's key and kid", authorization: `Bearer ${await mint({}, {}, otherSetKey)}`, reason: "unknown_key" },
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
  { name: "tampered signature", authorization: `Bearer ${withSegment(valid, 2, (s) => flipCharAt(s, 10))}`, reason: "bad_signature" },
  {
    name: "tampered header (field added)",
    authorization: `Bearer ${withSegment(valid, 0, (s) => b64url(JSON.stringify({ ...JSON.parse(fromB64url(s)), typ: "JWT" })))}`,
    reason: "bad_signature",
  },

  // Time
  { name: "expired", authorization: `Bearer ${await mint({ iat: now - 20 * 60, exp: now - 5 * 60 })}`, reason: "expired" },
  { name: "nbf in the future", authorization: `Bearer ${await mint({ nbf: now + 10 * 60 })}`, reason: "not_yet_valid" },
  { name: "iat far in the future", authorization: `Bearer ${await mint({ iat: now + 60 * 60, exp: now + 75 * 60 })}`, reason: "not_yet_valid" },

  // Audience and issuer
  { name: "wrong aud", authorization: `Bearer ${await mint({ aud: "web" })}`, reason: "wrong_audience" },
  { name: "aud missing", authorization: `Bearer ${await mint({ aud: undefined })}`, reason: "wrong_audience" },
  { name: "aud list without the worker", authorization: `Bearer ${await mint({ aud: ["web", "billing"] })}`, reason: "wrong_audience" },
  { name: "wrong iss", authorization: `Bearer ${await mint({ iss: "https://evil.example" })}`, reason: "wrong_issuer" },
  { name: "iss missing", authorization: `Bearer ${await mint({ iss: undefined })}`, reason: "wrong_issuer" },
  { name: "iss with a trailing slash", authorization: `Bearer ${await mint({ iss: `${ISSUER}/` })}`, reason: "wrong_issuer" },

  // Claims the worker relies on
  { name: "sub missing", authorization: `Bearer ${await mint({ sub: undefined })}`, reason: "bad_claims" },
  { name: "sub not a string", authorization: `Bearer ${await mint({ sub: 42 })}`, reason: "bad_claims" },
  { name: "sid missing", authorization: `Bearer ${await mint({ sid: undefined })}`, reason: "bad_claims" },
  { name: "jti missing", authorization: `Bearer ${await mint({ jti: undefined })}`, reason: "bad_claims" },
  { name: "jti empty", authorization: `Bearer ${await mint({ jti: "" })}`, reason: "bad_claims" },
  { name: "email missing", authorization: `Bearer ${await mint({ email: undefined })}`, reason: "bad_claims" },
  { name: "email empty", authorization: `Bearer ${await mint({ email: "" })}`, reason: "bad_claims" },
  { name: "name not a string", authorization: `Bearer ${await mint({ name: { first: "Ada" } })}`, reason: "bad_claims" },
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
    expect(body).toMatchObject({ result: { data: { userId: "user_ada", sessionId: "session_ada", email: "ada@example.com" } } });
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

/** A JWKS endpoint whose key list the test can change; counts its fetches. */
async function serveJwks(keys: JWK[]) {
  const jwks = { keys, fetches: 0, url: new URL("http://invalid"), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  const server = createServer((req, res) => {
    jwks.fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: jwks.keys }));
  });
  jwks.url = new URL("/jwks", await listen(server));
  return jwks;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const { port } = new URL(await listen(server));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return Number(port);
}

describe("keys from a JWKS URL", () => {
  it("is ready when the JWKS endpoint serves", async () => {
    const jwks = await serveJwks([realKey.jwk]);
    try {
      const verifier = createTokenVerifier({ issuer: ISSUER, jwks: jwks.url });
      expect(await verifier.ready()).toBe(true);
      expect(jwks.fetches).toBe(1);
      await expect(verifier.verify(`Bearer ${await mint()}`)).resolves.toMatchObject({ userId: "user_ada" });
    } finally {
      await jwks.close();
    }
  });

  it("verifies a token whose key is published after the first fetch", async () => {
    const rotated = await newSigningKey("web-key-2");
    const jwks = await serveJwks([realKey.jwk]);
    const worker = await startWorker(createTokenVerifier({ issuer: ISSUER, jwks: jwks.url, jwksCooldownMs: 0 }));
    try {
      expect((await callWhoami(worker.url, `Bearer ${await mint()}`)).status).toBe(200);
      const fetchesBefore = jwks.fetches;

      const token = await mint({ sub: "user_rotated" }, {}, rotated);
      const early = await callWhoami(worker.url, `Bearer ${token}`);
      expect(early.status).toBe(401);
      expect((early.body as TRPCErrorBody).error.data.reason).toBe("unknown_key");

      jwks.keys = [realKey.jwk, rotated.jwk];
      const late = await callWhoami(worker.url, `Bearer ${token}`);
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ result: { data: { userId: "user_rotated" } } });
      expect(jwks.fetches).toBeGreaterThan(fetchesBefore);
    } finally {
      await worker.close();
      await jwks.close();
    }
  });

  it("answers 503, not 401 or 500, when the JWKS endpoint is unreachable", async () => {
    const verifier = createTokenVerifier({ issuer: ISSUER, jwks: new URL(`http://127.0.0.1:${await closedPort()}/jwks`) });
    const worker = await startWorker(verifier);
    try {
      const { status, body } = await callWhoami(worker.url, `Bearer ${await mint()}`);
      expect(status).toBe(503);
      expect((body as TRPCErrorBody).error.data).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503, reason: null });

      expect((await fetch(`${worker.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
