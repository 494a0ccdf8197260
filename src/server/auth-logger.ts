import type { BetterAuthOptions } from "better-auth";

import type { Logger } from "~/server/logger";

/**
 * Better Auth's refusals of a value the client sent (origin-check.mjs:
 * "Invalid callbackURL: <the value>"). A client's mistake or probe, answered
 * 403, is not the server failing: logged as a warning, with the value in a
 * field of its own, so anyone able to send requests cannot fill the error
 * level (and what alerts on it) with text of their choosing.
 */
const REFUSED_VALUE = /^Invalid (origin|callbackURL|redirectURL|errorCallbackURL|newUserCallbackURL): (.*)$/s;

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
      const refused = REFUSED_VALUE.exec(message);
      if (refused) {
        log.warn({ value: refused[2] }, `Invalid ${refused[1]!}`);
        return;
      }
      const err = args.find((arg) => arg instanceof Error);
      const details = args.filter((arg) => arg !== err);
      log[level]({ ...(err !== undefined && { err }), ...(details.length > 0 && { details }) }, message);
    },
  };
}
