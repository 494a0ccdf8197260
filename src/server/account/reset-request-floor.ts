import { setTimeout as sleep } from "node:timers/promises";

import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";

/**
 * The least time /request-password-reset takes to answer. A registered
 * address costs Better Auth more work than an unknown one (its account is
 * joined and a link row inserted, where an unknown address gets two
 * look-ups), about half a millisecond more here: enough, over a few hundred
 * requests, to tell which addresses have accounts (npm run bench:reset-timing).
 * Far above what either takes, it hides the difference; a person asking for
 * a link does not notice a quarter of a second.
 */
export const RESET_REQUEST_FLOOR_MS = 250;

const PATH = "/request-password-reset";

/**
 * Holds each answer of /request-password-reset until `floorMs` after its
 * checks began. A request the limiter refuses (429) is answered at once:
 * that answer is the same for any address.
 */
export function resetRequestFloor(floorMs = RESET_REQUEST_FLOOR_MS) {
  const startedAt = new WeakMap<Request, number>();
  return {
    id: "reset-request-floor",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === PATH,
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.request) startedAt.set(ctx.request, performance.now());
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const began = ctx.request && startedAt.get(ctx.request);
            if (began === undefined) return;
            const left = began + floorMs - performance.now();
            if (left > 0) await sleep(left);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
