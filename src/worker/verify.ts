/**
 * Worker-side token verification: every request's `Authorization: Bearer` JWT
 * is checked against the web tier's public keys (jwks.ts) before any procedure
 * runs, once per request however many calls it batches (authenticate.ts).
 * A rejection always names one reason code; nothing a caller sends can turn
 * into anything but a TokenRejected (401) or, when the keys themselves cannot
 * be read, KeysUnavailable (503).
 */
import { decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";

import { DEFAULT_WORKER_TOKEN_TTL, WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { KeysUnavailable, staticKeySource, type KeySource } from "./jwks";

export { KeysUnavailable };

export const REJECT_REASONS = [
  "missing",
  "malformed",
  "expired",
  "not_yet_valid",
  "bad_signature",
  "wrong_audience",
  "wrong_issuer",
  "unknown_key",
  "bad_claims",
  // The token verifies but its session has been signed out or revoked since.
  "revoked",
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export class TokenRejected extends Error {
  override name = "TokenRejected";
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

/** Who is calling, as the verified token says. */
export interface Caller {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  tokenId: string;
  /** Epoch milliseconds. */
  issuedAt: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface TokenVerifierOptions {
  /** The web tier's base URL; tokens from anywhere else are refused. */
  issuer: string;
  /** The keys read from the database (jwks.ts's storedKeySource), or a fixed key set. */
  jwks: KeySource | JSONWebKeySet;
  audience?: string;
  clockToleranceSec?: number;
  /**
   * The web tier's token lifetime (WORKER_TOKEN_TTL): a token claiming a
   * longer one (exp − iat), or issued longer ago, is refused, so a leaked
   * signing key or a misconfigured minter cannot mint long-lived credentials.
   */
  tokenTtlSec?: number;
  /** Verified tokens remembered (until their exp) so the hot path skips the signature check. */
  cacheMaxEntries?: number;
}

export interface TokenVerifier {
  /**
   * Resolves with the caller or throws TokenRejected / KeysUnavailable.
   * `authorization` is every Authorization header of the request (Node's
   * `req.headersDistinct.authorization`): more than one is refused.
   */
  verify(authorization: string | readonly string[] | undefined): Promise<Caller>;
  /** True when keys have been read recently (reading them if not): /readyz. */
  ready(): Promise<boolean>;
}

/** The clock skew allowed on exp, nbf and iat unless told otherwise. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

// Far above a real token (~600 bytes), far below anything worth parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;

// A base64url segment as RFC 7515 writes it: no padding, no other alphabet.
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * True when each of the compact JWS's segments is canonical base64url: the
 * decoders in use forgive padding and set unused trailing bits, so without
 * this many strings would verify as one token and slip past anything that
 * compares or remembers tokens as text (the verified-token cache, logs, a
 * future revocation list).
 */
function isCanonicalCompact(token: string): boolean {
  const segments = token.split(".");
  return (
    segments.length === 3 &&
    segments.every(
      (segment) =>
        BASE64URL.test(segment) &&
        segment.length % 4 !== 1 &&
        Buffer.from(segment, "base64url").toString("base64url") === segment,
    )
  );
}

/** What a verified token is remembered as: the caller, and until when it may be used. */
interface Verified {
  caller: Caller;
  /** The key that signed it: a token stops being answered from memory when its key retires or is deleted. */
  kid: string;
  /** Epoch ms: the earlier of exp and iat + TTL, plus the clock tolerance (what jwtVerify would allow). */
  usableUntil: number;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const {
    issuer,
    audience = WORKER_AUDIENCE,
    clockToleranceSec = DEFAULT_CLOCK_TOLERANCE_SEC,
    tokenTtlSec = DEFAULT_WORKER_TOKEN_TTL,
    cacheMaxEntries = 10_000,
  } = options;

  const keys = "lookup" in options.jwks ? options.jwks : staticKeySource(options.jwks);

  const verified = new Map<string, Verified>();

  async function verifyToken(token: string): Promise<Verified> {
    if (!isCanonicalCompact(token)) {
      throw new TokenRejected(
        "malformed",
        "The token is not three canonical base64url segments (no padding, no stray bits).",
      );
    }
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRejected("malformed", "The token is not a JWS in compact form.");
    }
    if (header.alg !== WORKER_TOKEN_ALG) {
      throw new TokenRejected(
        "bad_signature",
        `Tokens must be signed with ${WORKER_TOKEN_ALG}, not ${String(header.alg)}.`,
      );
    }
    if (typeof header.kid !== "string" || header.kid === "") {
      throw new TokenRejected("malformed", "The token header has no key id (kid).");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.lookup, {
        algorithms: [WORKER_TOKEN_ALG],
        issuer,
        audience,
        clockTolerance: clockToleranceSec,
        // Also refuses an iat in the future (beyond the tolerance).
        maxTokenAge: tokenTtlSec,
        requiredClaims: ["sub", "sid", "exp", "iat", "jti"],
      }));
    } catch (error) {
      throw translate(error);
    }

    const { sub, sid, email, name, jti, iat, exp } = payload as Record<string, unknown>;
    if (![sub, sid, email, name, jti].every((value) => typeof value === "string" && value !== "")) {
      throw new TokenRejected("bad_claims", "The token's sub, sid, email, name and jti must be non-empty strings.");
    }
    // jwtVerify has checked both are numbers (exp always, iat for maxTokenAge).
    const [issuedAt, expiresAt] = [iat as number, exp as number];
    if (expiresAt - issuedAt > tokenTtlSec + clockToleranceSec) {
      throw new TokenRejected(
        "bad_claims",
        `The token's lifetime (exp − iat) is longer than the ${tokenTtlSec} s this worker accepts.`,
      );
    }
    return {
      kid: header.kid,
      caller: {
        userId: sub as string,
        sessionId: sid as string,
        email: email as string,
        name: name as string,
        tokenId: jti as string,
        issuedAt: issuedAt * 1000,
        expiresAt: expiresAt * 1000,
      },
      usableUntil: (Math.min(expiresAt, issuedAt + tokenTtlSec) + clockToleranceSec) * 1000,
    };
  }

  return {
    async verify(authorization) {
      // Node keeps only the first of several Authorization headers; a proxy
      // in front may pick another, so which credential counts is ambiguous.
      if (typeof authorization === "object" && authorization.length > 1) {
        throw new TokenRejected("malformed", "Send exactly one Authorization header.");
      }
      const value = typeof authorization === "object" ? authorization[0] : authorization;
      if (!value) throw new TokenRejected("missing", "Send the worker token as `Authorization: Bearer <token>`.");
      const match = /^Bearer ([^\s]+)$/i.exec(value.trim());
      if (!match) throw new TokenRejected("malformed", "The Authorization header must be `Bearer <token>`.");
      const token = match[1]!;
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected("malformed", "The token is too large.");

      const cached = verified.get(token);
      if (cached) {
        if (cached.usableUntil <= Date.now()) {
          verified.delete(token);
          throw new TokenRejected("expired", "The token has expired.");
        }
        if (keys.usable(cached.kid)) return cached.caller;
        // Its key retired or was deleted since: verified again, which now
        // refuses it (unknown_key) as it would refuse the token uncached.
        verified.delete(token);
      }

      const entry = await verifyToken(token);
      if (verified.size >= cacheMaxEntries) {
        // Map order is insertion order: forget the oldest.
        verified.delete(verified.keys().next().value!);
      }
      verified.set(token, entry);
      return entry.caller;
    },

    ready: () => keys.ready(),
  };
}

function translate(error: unknown): Error {
  if (error instanceof KeysUnavailable) return error;
  if (error instanceof errors.JWTExpired) {
    if (error.claim === "iat") return new TokenRejected("expired", "The token was issued too long ago.");
    return new TokenRejected("expired", "The token has expired.");
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
        // jose's "check_failed": a valid nbf still in the future; a
        // non-numeric nbf is a bad claim, not an early token.
        if (error.reason === "check_failed")
          return new TokenRejected("not_yet_valid", "The token is not valid yet (nbf).");
        return new TokenRejected("bad_claims", 'The token\'s "nbf" claim is invalid.');
      case "aud":
        return new TokenRejected("wrong_audience", `The token is not meant for the ${WORKER_AUDIENCE} (aud).`);
      case "iss":
        return new TokenRejected("wrong_issuer", "The token was not issued by this app's web tier (iss).");
      case "iat":
        // maxTokenAge's "check_failed": an iat in the future.
        if (error.reason === "check_failed")
          return new TokenRejected("not_yet_valid", "The token was issued in the future.");
      // falls through: a missing or non-numeric iat is a bad claim
      default:
        return new TokenRejected(
          "bad_claims",
          `The token's "${error.claim}" claim is ${error.reason === "missing" ? "missing" : "invalid"}.`,
        );
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRejected("bad_signature", "The token's signature does not verify.");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected("unknown_key", "The token was signed with a key this worker does not know.");
  }
  // JWSInvalid, JWTInvalid (payload not a JSON object), JOSENotSupported, JWKInvalid…
  return new TokenRejected("malformed", "The token is malformed.");
}
