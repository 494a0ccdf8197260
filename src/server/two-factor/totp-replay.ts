import { timingSafeEqual } from "node:crypto";

import { createOTP } from "@better-auth/utils/otp";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { symmetricDecrypt } from "better-auth/crypto";

import type { PrismaClient } from "~/server/db/generated/client.ts";
import { secondFactorUserId } from "./second-factor-user";

/** The plugin's TOTP parameters (its defaults, which auth.ts keeps): 6 digits, 30 s steps, one step either side. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_WINDOW = 1;

/**
 * A TOTP code is good once. Better Auth's two-factor plugin accepts any code
 * of the current step or the one on either side and keeps no record, so a
 * code seen over a shoulder or in a proxy's log works again for up to a
 * minute and a half. RFC 6238 §5.2: the verifier must not accept the
 * second attempt of a code after the first succeeded. This remembers the
 * last time step accepted per user (two_factor.lastTotpStep) and refuses a
 * code of that step or an earlier one. The claim is one conditional UPDATE,
 * so two requests racing with one code get one success between them.
 *
 * It runs before the plugin checks the code (after the rate limiter has
 * counted it): a code that matches a step is claimed then, and the plugin's
 * own check decides the rest. A code that matches no step is left to the
 * plugin, which refuses and counts it.
 */
export function totpReplayGuard(db: PrismaClient) {
  return {
    id: "totp-replay-guard",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/two-factor/verify-totp",
          handler: createAuthMiddleware(async (ctx) => {
            const code: unknown = (ctx.body as { code?: unknown } | undefined)?.code;
            if (typeof code !== "string" || !/^\d+$/.test(code)) return;
            const userId = await secondFactorUserId(ctx);
            if (!userId) return;
            const row = await db.twoFactor.findUnique({ where: { userId }, select: { secret: true } });
            if (!row) return;
            const secret = await symmetricDecrypt({ key: ctx.context.secretConfig, data: row.secret });
            const step = await matchingStep(secret, code, Date.now());
            if (step === null) return;
            const claimed = await db.twoFactor.updateMany({
              where: { userId, OR: [{ lastTotpStep: null }, { lastTotpStep: { lt: step } }] },
              data: { lastTotpStep: step },
            });
            if (claimed.count === 0) {
              throw new APIError("UNAUTHORIZED", {
                code: "TOTP_CODE_ALREADY_USED",
                message: "That code was used already. Wait for the next one from your authenticator app.",
              });
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/**
 * The time step within the plugin's window whose code `code` is, or null,
 * computed by the plugin's own OTP code (@better-auth/utils). Every step is
 * compared, in constant time, so the timing says nothing about which matched.
 */
export async function matchingStep(secret: string, code: string, now: number): Promise<number | null> {
  const otp = createOTP(secret, { digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
  const current = Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
  const given = Buffer.from(code);
  let found: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const expected = Buffer.from(await otp.hotp(step));
    if (given.length === expected.length && timingSafeEqual(given, expected) && found === null) found = step;
  }
  return found;
}
