import "server-only";

import { randomUUID } from "node:crypto";

import { TRPCError } from "@trpc/server";

import { env } from "~/env";
import type { WorkerToken } from "~/lib/worker-auth";
import { auth, type Session } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";

/**
 * Signs a worker token for a signed-in session: the one place tokens are
 * minted (the exchange procedure and the server link both call this).
 * Claims: sub, sid, email, name, iss, aud, iat, exp, jti; signed by Better
 * Auth's jwt plugin with the current Ed25519 key. The token is never logged.
 */
export async function mintWorkerToken(session: Session, requestId: string): Promise<WorkerToken> {
  // The caller's session may come from the 5-minute cookie cache; a session
  // revoked since must not get a fresh credential, so ask the database.
  const stored = await db.session.findUnique({ where: { id: session.session.id }, select: { expiresAt: true } });
  if (!stored || stored.expiresAt.getTime() <= Date.now()) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Your session has ended. Sign in again." });
  }

  const iat = Math.floor(Date.now() / 1000);
  // Never outlive the session it stands for.
  const exp = Math.min(iat + env().WORKER_TOKEN_TTL, Math.floor(stored.expiresAt.getTime() / 1000));
  const jti = randomUUID();
  const { token } = await auth.api.signJWT({
    body: {
      payload: {
        sub: session.user.id,
        sid: session.session.id,
        email: session.user.email,
        name: session.user.name,
        iat,
        exp,
        jti,
      },
    },
  });
  logger.info(
    { requestId, userId: session.user.id, sessionId: session.session.id, jti, expiresAt: new Date(exp * 1000).toISOString() },
    "worker token minted",
  );
  return { token, expiresAt: exp * 1000 };
}
