-- The worker verifies tokens with the public halves of the signing keys,
-- read from here rather than fetched from the web tier's /api/auth/jwks: a
-- busy web tier made that fetch time out and calls fail (src/worker/jwks.ts).
-- Every column the JWKS route publishes or filters on, and not "privateKey"
-- (encrypted with BETTER_AUTH_SECRET, but still the one secret of the row).
-- Reads only: the keys stay Better Auth's to make.
GRANT SELECT ("id", "publicKey", "createdAt", "expiresAt", "alg", "crv") ON TABLE "jwks" TO app_worker;
