/**
 * How the worker's plain HTTP routes (uploads, downloads) refuse: a JSON body
 * with the same tRPC code, message and reason its tRPC calls would give, so
 * one client-side reader explains both. `Code` is tRPC's code names where
 * both sides have them (TRPC_ERROR_CODE_KEY); this file imports no tRPC.
 */
export interface HttpErrorBody<Code extends string = string> {
  /** `reason`: the machine-readable why (`too_large`, `busy`, a token's `expired`…), or null. */
  error: { code: Code; message: string; reason: string | null };
}
