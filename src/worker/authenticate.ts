/**
 * Who is calling: the one step that turns a request's Authorization header
 * into a Caller, or into the tRPC error every authed call of that request
 * fails with.
 *
 * It runs once per HTTP request, not once per call: a batch of N calls with a
 * forged token would otherwise buy N verifications and N log lines. The
 * result is memoized in the request's context, so every check that decides
 * whether a token is still good belongs inside verifyCaller, and is paid once
 * per request as well: the signature and claims (verify.ts), then whether the
 * token's session still exists (revocation.ts).
 */
import { TRPCError } from "@trpc/server";

import type { Logger } from "~/worker/logger";
import { SessionsUnavailable, type RevocationCheck } from "./revocation";
import { KeysUnavailable, TokenRejected, type Caller, type TokenVerifier } from "./verify";

export interface AuthenticationContext {
  log: Logger;
  /** Every Authorization header of the request, as the verifier takes them. */
  authorization: string | readonly string[] | undefined;
  verifier: TokenVerifier;
  revocation: RevocationCheck;
  /**
   * authenticate()'s memo. An object made once per request, so the copies of
   * the context tRPC makes for each call and middleware all share it.
   */
  authentication: { caller?: Promise<Caller> };
}

/** The request's verified caller; rejects with UNAUTHORIZED or SERVICE_UNAVAILABLE. */
export function authenticate(ctx: AuthenticationContext): Promise<Caller> {
  return (ctx.authentication.caller ??= verifyCaller(ctx));
}

async function verifyCaller({ log, authorization, verifier, revocation }: AuthenticationContext): Promise<Caller> {
  try {
    const caller = await verifier.verify(authorization);
    await revocation.check(caller.sessionId, caller.userId);
    return caller;
  } catch (error) {
    if (error instanceof TokenRejected) {
      log.warn({ reason: error.reason }, "token rejected");
      throw new TRPCError({ code: "UNAUTHORIZED", message: error.message, cause: error });
    }
    if (error instanceof KeysUnavailable) {
      log.error({ err: error.message }, "signing keys unavailable");
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: "The worker cannot load its signing keys.",
        cause: error,
      });
    }
    if (error instanceof SessionsUnavailable) {
      log.error({ err: error.message }, "sessions unavailable");
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: "The worker cannot check sessions right now.",
        cause: error,
      });
    }
    throw error;
  }
}
