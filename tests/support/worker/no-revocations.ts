/**
 * A revocation check for the worker's tests that are not about revocation:
 * every session is live. revocation.test.ts tests the real one.
 */
import type { RevocationCheck } from "../../../src/worker/revocation";

export function noRevocations(): RevocationCheck {
  return {
    check: async () => undefined,
    start: () => undefined,
    stop: () => undefined,
    ready: async () => true,
    size: { live: 0, revoked: 0 },
  };
}
