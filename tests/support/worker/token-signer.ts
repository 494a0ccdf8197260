/**
 * A stand-in for the web tier's signing key, for the worker's tests and
 * benchmarks: an Ed25519 key pair, the JWKS that publishes it, and tokens
 * minted with the claims and lifetime the web tier gives them.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";

import { WORKER_AUDIENCE, WORKER_TOKEN_ALG } from "~/contract/worker-token";

export interface TestTokenClaims {
  sub: string;
  sid: string;
  email: string;
  name: string;
  jti: string;
}

/** The tests' usual caller: Ada, with one session and one token id. */
export const ADA_CLAIMS: TestTokenClaims = {
  sub: "user_ada",
  sid: "session_ada",
  email: "ada@example.com",
  name: "Ada Lovelace",
  jti: "token-1",
};

export async function createTestSigner({ issuer = "http://localhost:3000", kid = "web-key-1" } = {}) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return {
    issuer,
    kid,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: WORKER_TOKEN_ALG }] },
    /** A worker token as the web tier mints it: 15 minutes, this issuer, the worker audience. */
    mint: (claims: TestTokenClaims) =>
      new SignJWT({ ...claims })
        .setProtectedHeader({ alg: WORKER_TOKEN_ALG, kid })
        .setIssuer(issuer)
        .setAudience(WORKER_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("15m")
        .sign(privateKey),
  };
}
