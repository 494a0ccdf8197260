import type { RateLimitRule } from "./store";

/** A per-client-IP limit on the auth paths it matches. */
export interface IpRule extends RateLimitRule {
  /** Names the bucket: paths with one scope share a client's budget. */
  scope: string;
  matches(path: string): boolean;
}

/**
 * The paths that check an account's password. Each attempt draws on that
 * account's budget however the caller varies its IP, and from a session's
 * owner as much as from a stranger: a stolen session cookie must not turn
 * them into a password oracle.
 */
export const PASSWORD_CHECK_PATHS = [
  "/sign-in/email",
  "/change-password",
  "/verify-password",
  "/delete-user",
  // The two-factor plugin's settings, each behind the password.
  "/two-factor/enable",
  "/two-factor/disable",
  "/two-factor/get-totp-uri",
  "/two-factor/generate-backup-codes",
] as const;
export type PasswordCheckPath = (typeof PASSWORD_CHECK_PATHS)[number];

export function isPasswordCheck(path: string | undefined): path is PasswordCheckPath {
  return (PASSWORD_CHECK_PATHS as readonly (string | undefined)[]).includes(path);
}

/**
 * The paths that check a second factor (Better Auth's two-factor plugin): a
 * sign-in's code after its password, or a signed-in user's confirming the
 * setup. Each draws on a per-account budget of ACCOUNT_RULE's size, its own
 * (keys.ts, secondFactorKey): shared with the password's, a correct password,
 * which clears that budget, would hand a guesser of codes a fresh one.
 * No OTP-by-mail paths: the app does not enable them (auth.ts).
 */
export const SECOND_FACTOR_PATHS = ["/two-factor/verify-totp", "/two-factor/verify-backup-code"] as const;

export function isSecondFactorCheck(path: string | undefined): boolean {
  return (SECOND_FACTOR_PATHS as readonly (string | undefined)[]).includes(path);
}

/**
 * Per account: 5 password checks a minute. A person who mistypes gets five
 * tries before a wait of under a minute; an attacker gets 7,200 guesses a
 * day per account instead of ~700 a minute. Counted before the password is
 * checked (a parallel burst gets 5, not more) and for any email, registered
 * or not, so a 429 says nothing about whether an account exists. The price:
 * anyone who knows an address can keep that account waiting.
 */
export const ACCOUNT_RULE: RateLimitRule = { window: 60, max: 5 };

/**
 * The paths that mail an address the request names (body.email, or
 * body.newEmail for a change of address), each with its per-address budget,
 * counted for any address, registered or not, so a 429 says nothing about
 * whether it has an account. A resend waits a minute after the last one;
 * sign-up has its per-IP rule and mails an address once per account;
 * whatever the paths allow, src/server/mail/mailer.ts sends an address at
 * most MAILS_PER_ADDRESS an hour.
 */
export const MAIL_REQUEST_RULES: Readonly<Record<string, RateLimitRule>> = {
  "/request-password-reset": { window: 60, max: 3 },
  "/send-verification-email": { window: 60, max: 1 },
  "/change-email": { window: 60, max: 3 },
};

export function isMailRequest(path: string | undefined): path is string {
  return path !== undefined && Object.hasOwn(MAIL_REQUEST_RULES, path);
}

/** The address a mail request on `path` names, as sent (not yet validated). */
export function mailedAddress(path: string, body: unknown): unknown {
  const fields = body as { email?: unknown; newEmail?: unknown } | undefined;
  return path === "/change-email" ? fields?.newEmail : fields?.email;
}

/** The passkey plugin's sign-in ceremony: its challenge and the assertion's check. */
export const PASSKEY_SIGN_IN_PATHS: readonly string[] = [
  "/passkey/generate-authenticate-options",
  "/passkey/verify-authentication",
];

/**
 * Per client IP, when one is known (TRUSTED_PROXY_HOPS > 0). Password checks
 * 10 a minute: two accounts' worth, enough for a shared office NAT's typos,
 * and it caps spraying one password over many accounts; second-factor codes
 * the same, on a budget of their own. Sign-up 5 a minute:
 * it creates accounts and answers whether an email is taken. Passkey
 * sign-in 30 a minute. Everything else gets Better Auth's own default, 100 a minute per path group.
 */
export const IP_RULES: readonly IpRule[] = [
  { scope: "password", window: 60, max: 10, matches: (path) => path.startsWith("/sign-in") || isPasswordCheck(path) },
  { scope: "second-factor", window: 60, max: 10, matches: (path) => isSecondFactorCheck(path) },
  { scope: "sign-up", window: 60, max: 5, matches: (path) => path.startsWith("/sign-up") },
  // Passkey sign-in: a challenge, then its answer, so 15 sign-ins a minute.
  // A signature cannot be guessed; the budget caps the challenges (a row
  // each) a client can make the app store.
  { scope: "passkey", window: 60, max: 30, matches: (path) => PASSKEY_SIGN_IN_PATHS.includes(path) },
  // Other paths that make the app send mail: 10 in ten minutes from one client.
  { scope: "mail", window: 600, max: 10, matches: (path) => isMailRequest(path) },
  { scope: "other", window: 60, max: 100, matches: () => true },
];

/**
 * Paths no per-IP budget applies to. /jwks is public and cheap, and a
 * verifier of the tokens refetches it whenever a token names a key it has
 * not seen: throttling it would turn a key rotation into failed calls for
 * verifiers behind one address. (This app's workers read the keys from the
 * database instead: docs/decisions/0025.)
 */
export const UNLIMITED_PATHS: readonly string[] = ["/jwks"];

/** The per-IP budget `path` draws on; undefined for UNLIMITED_PATHS. */
export function ipRuleFor(path: string): IpRule | undefined {
  if (UNLIMITED_PATHS.includes(path)) return undefined;
  // The last rule matches every path.
  return IP_RULES.find((rule) => rule.matches(path))!;
}
