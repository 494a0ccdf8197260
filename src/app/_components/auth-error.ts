import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/contract/password-policy";

/** What Better Auth's client hands back when a call fails. */
export interface AuthClientError {
  code?: string | undefined;
  message?: string | undefined;
  status: number;
  statusText: string;
}

/** A Better Auth client call's result: the answer, or the error. */
export type AuthOutcome<T> = { data: T; error: null } | { data: null; error: AuthClientError };

export const UNREACHABLE = "Could not reach the server. Check your connection and try again.";

// Where Better Auth's own message leaves the user guessing what to do next.
const clearer: Record<string, string> = {
  PASSWORD_TOO_SHORT: `Password too short: use at least ${String(MIN_PASSWORD_LENGTH)} characters.`,
  PASSWORD_TOO_LONG: `Password too long: use at most ${String(MAX_PASSWORD_LENGTH)} characters.`,
  INVALID_PASSWORD: "That is not your current password.",
  EMAIL_NOT_VERIFIED: "Your address is not verified yet: open the link we mailed to it.",
  INVALID_CODE: "That code is not right. Check the time on your phone, and use the newest code.",
  INVALID_BACKUP_CODE: "That backup code is not right, or it was used already.",
  INVALID_TWO_FACTOR_COOKIE: "This sign-in has expired. Sign in again with your password.",
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: "Too many wrong codes for this sign-in. Sign in again with your password.",
  // The passkey plugin's codes (@better-auth/passkey).
  PASSKEY_NOT_FOUND:
    "This passkey is not registered here (it may have been removed): sign in with your password or another passkey.",
  AUTHENTICATION_FAILED: "This passkey could not be checked: try again, or sign in with your password.",
  AUTH_CANCELLED: "Sign-in with a passkey was cancelled or timed out.",
  REGISTRATION_CANCELLED: "Adding the passkey was cancelled or timed out.",
  PREVIOUSLY_REGISTERED: "This authenticator already holds a passkey for your account.",
  SESSION_NOT_FRESH: "For this, sign in again first: your session is over a day old.",
  INVALID_TOKEN:
    "This link does not work any more: it was used already, a newer one was sent, or it expired. Ask for a new one.",
};

/**
 * Better Auth answers with a code and a message; show words, never a blank
 * failure. A limited attempt's message says how long to wait
 * (src/server/auth-rate-limit/too-many-attempts.ts).
 */
export function describeAuthError(error: AuthClientError): string {
  if (error.status === 429) return error.message || "Too many attempts. Wait a moment and try again.";
  return (
    (error.code && clearer[error.code]) ||
    error.message ||
    error.statusText ||
    `Request failed (HTTP ${String(error.status)}).`
  );
}
