import { env } from "~/env";
import type { Auth, AuthConfig } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { smtpTransport, SMTP_TIMEOUTS } from "~/server/mail/transport";

import { authWith } from "./app-auth";
import { linkIn, type SmtpInbox } from "./smtp-inbox";
import { appOrigin, TEST_PASSWORD, TestBrowser, uniqueEmail } from "./test-browser";

/** How long a test lets a hung SMTP server keep a request: the app's timeouts, shortened. */
export const TEST_SMTP_TIMEOUTS = { connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 2_000 };

/** The app's auth (same database and secret) mailing over SMTP to `inbox`. */
export function authMailingTo(inbox: SmtpInbox, config: Partial<AuthConfig> = {}) {
  return authWith({
    trustedProxyHops: env().TRUSTED_PROXY_HOPS,
    requireEmailVerification: true,
    mail: {
      transport: smtpTransport(inbox.url, { ...SMTP_TIMEOUTS, ...TEST_SMTP_TIMEOUTS }),
      from: "Typed Worker Stack <no-reply@example.test>",
    },
    ...config,
  });
}

/** The path and query of a link the app mailed (under /api/auth), to replay through a TestBrowser. */
export function authPathOf(link: string): string {
  const url = new URL(link);
  if (url.origin !== appOrigin || !url.pathname.startsWith("/api/auth/"))
    throw new Error(`not a link to the app's auth routes: ${link}`);
  return url.pathname.slice("/api/auth".length) + url.search;
}

/**
 * A new account of `auth`, its address verified the way its owner does it
 * (the mailed link opened), and the browser that opened it, signed in by it.
 */
export async function verifiedUser(
  auth: Auth,
  inbox: SmtpInbox,
  { label = "user", name = "Ada Lovelace" }: { label?: string; name?: string } = {},
) {
  const email = uniqueEmail(label);
  const browser = new TestBrowser({ auth });
  const signUp = await browser.post("/sign-up/email", { name, email, password: TEST_PASSWORD });
  if (signUp.status !== 200) throw new Error(`sign-up failed: HTTP ${String(signUp.status)}`);
  const link = linkIn(await inbox.waitFor(email, /Verify your address/), `${appOrigin}/api/auth/verify-email?`);
  const opened = await browser.get(authPathOf(link));
  if (opened.status !== 302) throw new Error(`verification link answered HTTP ${String(opened.status)}`);
  const { id } = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  return { email, userId: id, browser };
}
