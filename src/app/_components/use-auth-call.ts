"use client";

import { useCallback, useState } from "react";

import { describeAuthError, UNREACHABLE, type AuthOutcome } from "./auth-error";

/** A failed call, in words, with Better Auth's code when it gave one. */
export interface CallFailure {
  message: string;
  code?: string | undefined;
}

/**
 * One Better Auth client call at a time for a form: whether it is running,
 * and what went wrong, in words. `run` resolves the answer, or undefined
 * when the call failed (the failure is then in `failure`).
 */
export function useAuthCall() {
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<CallFailure | null>(null);

  const run = useCallback(async <T>(call: () => Promise<AuthOutcome<T>>): Promise<T | undefined> => {
    setPending(true);
    setFailure(null);
    try {
      const outcome = await call();
      if (outcome.error) {
        setFailure({ message: describeAuthError(outcome.error), code: outcome.error.code });
        return undefined;
      }
      return outcome.data;
    } catch {
      setFailure({ message: UNREACHABLE });
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);

  return { pending, failure, run };
}
