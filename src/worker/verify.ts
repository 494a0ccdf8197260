/**
 * Worker-side token verification: every call's `Authorization: Bearer` JWT is
 * checked against the web tier's public keys before any procedure runs.
 * A rejection always names one reason code; nothing a caller sends can turn
 * into anything but a TokenRejected (401) or, when the keys themselves cannot
 * be loaded, KeysUnavailable (503).
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
} from "jose";

import { errorMessage } from "~/lib/error-message";
import { WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/lib/worker-token-contract";

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

/** The public keys could not be fetched: the worker's fault, not the token's. */
export class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
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
  /** A URL to fetch the JWKS from, or a fixed key set. */
  jwks: URL | JSONWebKeySet;
  audience?: string;
  clockToleranceSec?: number;
  /** Least time between two JWKS fetches triggered by an unknown `kid`. */
  jwksCooldownMs?: number;
  /** Verified tokens remembered (until their exp) so the hot path skips the signature check. */
  cacheMaxEntries?: number;
}

export interface TokenVerifier {
  /** Resolves with the caller or throws TokenRejected / KeysUnavailable. */
  verify(authorization: string | undefined): Promise<Caller>;
  /** True when keys are loaded (fetching them if needed): /readyz. */
  ready(): Promise<boolean>;
}

// Far above a real token (~600 bytes), far below anything worth parsing.
const MAX_TOKEN_LENGTH = 8 * 1024;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const {
    issuer,
    audience = WORKER_AUDIENCE,
    clockToleranceSec = 5,
    jwksCooldownMs = 10_000,
    cacheMaxEntries = 10_000,
  } = options;

  const remote =
    options.jwks instanceof URL
      ? createRemoteJWKSet(options.jwks, { cooldownDuration: jwksCooldownMs, timeoutDuration: 3_000 })
      : undefined;
  const local = remote ? undefined : createLocalJWKSet(options.jwks as JSONWebKeySet);

  // The key lookup jwtVerify calls. A lookup failure other than "no such key"
  // means the key set could not be fetched (network, timeout, bad response):
  // that is reported as KeysUnavailable, never blamed on the token.
  const keys = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (local) return local(header, token);
    try {
      return await remote!(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailable(`Could not load the signing keys: ${errorMessage(error)}`);
    }
  };

  const verified = new Map<string, Caller>();

  async function verifyToken(token: string): Promise<Caller> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenRejected("malformed", "The token is not a JWS in compact form.");
    }
    if (header.alg !== WORKER_TOKEN_ALG) {
      throw new TokenRejected("bad_signature", `Tokens must be signed with ${WORKER_TOKEN_ALG}, not ${String(header.alg)}.`);
    }
    if (typeof header.kid !== "string" || header.kid === "") {
      throw new TokenRejected("malformed", "The token header has no key id (kid).");
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: [WORKER_TOKEN_ALG],
        issuer,
        audience,
        clockTolerance: clockToleranceSec,
        requiredClaims: ["sub", "sid", "exp", "iat", "jti"],
      }));
    } catch (error) {
      throw translate(error);
    }

    const { sub, sid, email, name, jti, iat, exp } = payload as Record<string, unknown>;
    if (![sub, sid, email, name, jti].every((value) => typeof value === "string" && value !== "")) {
      throw new TokenRejected("bad_claims", "The token's sub, sid, email, name and jti must be non-empty strings.");
    }
    if (typeof iat !== "number" || typeof exp !== "number") {
      throw new TokenRejected("bad_claims", "The token's iat and exp must be numbers.");
    }
    if (iat > Date.now() / 1000 + clockToleranceSec) {
      throw new TokenRejected("not_yet_valid", "The token was issued in the future.");
    }
    return {
      userId: sub as string,
      sessionId: sid as string,
      email: email as string,
      name: name as string,
      tokenId: jti as string,
      issuedAt: iat * 1000,
      expiresAt: exp * 1000,
    };
  }

  return {
    async verify(authorization) {
      if (!authorization) throw new TokenRejected("missing", "Send the worker token as `Authorization: Bearer <token>`.");
      const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
      if (!match) throw new TokenRejected("malformed", "The Authorization header must be `Bearer <token>`.");
      const token = match[1]!;
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected("malformed", "The token is too large.");

      const cached = verified.get(token);
      if (cached) {
        if (cached.expiresAt + clockToleranceSec * 1000 > Date.now()) return cached;
        verified.delete(token);
        throw new TokenRejected("expired", "The token has expired.");
      }

      const caller = await verifyToken(token);
      if (verified.size >= cacheMaxEntries) {
        // Map order is insertion order: forget the oldest.
        verified.delete(verified.keys().next().value!);
      }
      verified.set(token, caller);
      return caller;
    },

    async ready() {
      if (!remote) return true;
      if (remote.jwks() && remote.fresh) return true;
      try {
        await remote.reload();
        return true;
      } catch {
        return false;
      }
    },
  };
}

function translate(error: unknown): Error {
  if (error instanceof KeysUnavailable) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejected("expired", "The token has expired.");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
        // jose's "check_failed": a valid nbf still in the future; a
        // non-numeric nbf is a bad claim, not an early token.
        if (error.reason === "check_failed") return new TokenRejected("not_yet_valid", "The token is not valid yet (nbf).");
        return new TokenRejected("bad_claims", 'The token\'s "nbf" claim is invalid.');
      case "aud":
        return new TokenRejected("wrong_audience", `The token is not meant for the ${WORKER_AUDIENCE} (aud).`);
      case "iss":
        return new TokenRejected("wrong_issuer", "The token was not issued by this app's web tier (iss).");
      default:
        return new TokenRejected("bad_claims", `The token's "${error.claim}" claim is ${error.reason === "missing" ? "missing" : "invalid"}.`);
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
