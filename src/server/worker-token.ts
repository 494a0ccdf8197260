import "server-only";

import { randomUUID } from "node:crypto";

import { TRPCError } from "@trpc/server";

import { env } from "~/env";
import type { WorkerToken } from "~/contract/worker-token";
import { DatabaseUnavailableError } from "~/server/api/database-unavailable";
import { auth, type Auth, type Session } from "~/server/auth";
import { databaseAvailability } from "~/server/db/database-availability";
import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { signingKeyProblem } from "~/server/signing-key-check";

/**
 * A worker token for a signed-in session: the one place tokens are minted
 * (the exchange procedure and the server link both call this). Claims: sub,
 * sid, email, name, iss, aud, iat, exp, jti; signed by Better Auth's jwt
 * plugin with the current Ed25519 key. The token is never logged.
 */
export async function mintWorkerToken(session: Session, requestId: string, signer: Auth = auth): Promise<WorkerToken> {
  // `session` was confirmed against the database within the last second
  // (the session cache, auth.ts), so a session revoked before that never gets
  // here, and the worker refuses the token of one revoked since within a
  // second too; one that expired since still must not get a fresh credential.
  const sessionEnds = new Date(session.session.expiresAt);
  if (sessionEnds.getTime() <= Date.now()) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Your session has ended. Sign in again." });
  }

  // Better Auth makes no session for an unverified address while
  // verification is required; one made before it was turned on must not get
  // to the worker either. The requirement is the one `signer` signs in by
  // (REQUIRE_EMAIL_VERIFICATION for the app's auth), so the two cannot disagree.
  if (signer.options.emailAndPassword?.requireEmailVerification && !session.user.emailVerified) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Verify your email address first: open the link we mailed you, or ask for a new one.",
    });
  }

  const { token, expiresAt, jti } = await signWorkerToken(signer, session, {
    ttlSeconds: env().WORKER_TOKEN_TTL,
    // Never outlive the session it stands for.
    notAfter: sessionEnds,
  }).catch((error: unknown) => signingFailed(signer, error, requestId));
  logger.info(
    {
      requestId,
      userId: session.user.id,
      sessionId: session.session.id,
      jti,
      expiresAt: new Date(expiresAt).toISOString(),
    },
    "worker token minted",
  );
  return { token, expiresAt };
}

/**
 * A mint that could not sign. The caller gets a 503 a person can read;
 * Better Auth's own message ("Failed to decrypt private key…") names
 * internals, so it goes to the log only, in the operator's words when a
 * changed BETTER_AUTH_SECRET is the reason.
 */
async function signingFailed(signer: Auth, error: unknown, requestId: string): Promise<never> {
  // The key is read from the database: gone, it is the database's 503 (logged once, when it went).
  if (databaseAvailability.reportFailure(error)) throw new DatabaseUnavailableError(error);
  const problem = await signingKeyProblem(signer, db).catch(() => undefined);
  if (problem) logger.error({ requestId }, problem);
  else logger.error({ requestId, err: error }, "worker token signing failed");
  throw new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message: "Worker tokens cannot be issued right now. Try again later.",
    cause: error,
  });
}

/** Who a token is for: the parts of a Better Auth session it carries. */
export interface TokenSubject {
  user: { id: string; email: string; name: string };
  session: { id: string };
}

/** Signs the worker token's claims with `signer`'s current key (no checks). */
export async function signWorkerToken(
  signer: Auth,
  { user, session }: TokenSubject,
  { ttlSeconds, notAfter }: { ttlSeconds: number; notAfter?: Date },
): Promise<WorkerToken & { jti: string }> {
  const iat = Math.floor(Date.now() / 1000);
  const exp = Math.min(iat + ttlSeconds, notAfter ? Math.floor(notAfter.getTime() / 1000) : Infinity);
  const jti = randomUUID();
  const { token } = await signer.api.signJWT({
    body: { payload: { sub: user.id, sid: session.id, email: user.email, name: user.name, iat, exp, jti } },
  });
  return { token, expiresAt: exp * 1000, jti };
}
