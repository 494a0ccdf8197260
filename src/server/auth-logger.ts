import type { BetterAuthOptions } from "better-auth";

import type { Logger } from "~/server/logger";

/**
 * Better Auth's log calls as records of the app's pino logger. Its own
 * logger prints text lines with request data pasted in verbatim (e.g. "Invalid
 * callbackURL: <whatever the client sent>"), so a value with a newline in it
 * started a line of the attacker's choosing, a forged JSON record among the
 * app's. As a pino record each call is one JSON line, whatever it holds, and
 * LOG_LEVEL and redaction apply to it as to everything else. Better Auth's
 * level stays its default (warn and above reach pino): setting one also makes
 * it log every refused request as an error.
 */
export function betterAuthLogger(logger: Logger): NonNullable<BetterAuthOptions["logger"]> {
  const log = logger.child({ component: "better-auth" });
  return {
    log(level, message, ...args: unknown[]) {
      const err = args.find((arg) => arg instanceof Error);
      const details = args.filter((arg) => arg !== err);
      log[level]({ ...(err !== undefined && { err }), ...(details.length > 0 && { details }) }, message);
    },
  };
}
