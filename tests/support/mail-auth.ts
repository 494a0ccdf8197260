import { env } from "~/env";
import { createAuth, type AuthConfig } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { smtpTransport, SMTP_TIMEOUTS } from "~/server/mail/transport";

import type { SmtpInbox } from "./smtp-inbox";

/** How long a test lets a hung SMTP server keep a request: the app's timeouts, shortened. */
export const TEST_SMTP_TIMEOUTS = { connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 2_000 };

/** The app's auth (same database and secret) mailing over SMTP to `inbox`. */
export function authMailingTo(inbox: SmtpInbox, config: Partial<AuthConfig> = {}) {
  return createAuth({
    db,
    secret: env().BETTER_AUTH_SECRET,
    baseURL: env().BETTER_AUTH_URL,
    workerTokenTtl: env().WORKER_TOKEN_TTL,
    keyGracePeriod: env().JWT_GRACE_PERIOD,
    trustedProxyHops: env().TRUSTED_PROXY_HOPS,
    requireEmailVerification: true,
    mail: {
      transport: smtpTransport(inbox.url, { ...SMTP_TIMEOUTS, ...TEST_SMTP_TIMEOUTS }),
      from: "Typed Worker Stack <no-reply@example.test>",
    },
    ...config,
  });
}
