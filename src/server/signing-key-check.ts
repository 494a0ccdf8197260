import { symmetricDecrypt } from "better-auth/crypto";

import { errorMessage } from "~/contract/error-message";
import { within } from "~/server/within";
import { WORKER_TOKEN_ALG } from "~/contract/worker-token";
import { auth, type Auth } from "~/server/auth";
import type { PrismaClient } from "~/server/db/generated/client.ts";
import { db } from "~/server/db/prisma";
import { logger } from "~/server/logger";
import { newestLiveKey } from "~/server/signing-keys";

// The private halves in the jwks table are encrypted with BETTER_AUTH_SECRET.
// Started with another secret, the web tier cannot sign with the key it
// finds, and Better Auth's jwt plugin says so only inside the failing mint.
// This names the problem, and what to do, before any request.

/** How long the start-up check waits for the database before letting the server start unchecked. */
export const START_CHECK_TIMEOUT_MS = 5_000;

/**
 * Why this process cannot sign with the key a mint would use now, as one
 * line an operator can act on; undefined when it can, or when there is no
 * live key (the next mint makes one with this secret).
 */
export async function signingKeyProblem(auth: Auth, db: PrismaClient): Promise<string | undefined> {
  const key = await newestLiveKey(db, WORKER_TOKEN_ALG);
  if (!key) return undefined;
  // The same secret configuration the plugin decrypts with.
  const { secretConfig } = await auth.$context;
  try {
    await symmetricDecrypt({ key: secretConfig, data: JSON.parse(key.privateKey) as string });
    return undefined;
  } catch {
    return (
      `Signing key ${key.id} in the jwks table was encrypted with a different BETTER_AUTH_SECRET: this web tier cannot issue worker tokens. ` +
      "Restore the secret it was made with, or delete the jwks rows (DELETE FROM jwks) to have a new key made on the next mint: " +
      "tokens already issued then fail on workers that have not verified them yet, and clients fetch new ones on their own."
    );
  }
}

/**
 * Run once at start-up: a key this process cannot decrypt ends it with one
 * line on stderr and exit code 1. A database that does not answer within
 * START_CHECK_TIMEOUT_MS is not a reason to stay down (auth and db are built
 * lazily so the web tier starts without one, docs/decisions/0005): a
 * warning, and the server starts; a mint that meets the problem later says
 * the same in the log (worker-token.ts).
 */
export async function checkSigningKeysOrExit(): Promise<void> {
  let problem: string | undefined;
  try {
    problem = await within(START_CHECK_TIMEOUT_MS, signingKeyProblem(auth, db));
  } catch (error) {
    logger.warn(
      { err: errorMessage(error) },
      "signing keys not checked at start (the database did not answer); starting anyway",
    );
    return;
  }
  if (problem === undefined) return;
  console.error(problem);
  process.exit(1);
}
