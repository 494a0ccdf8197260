import { Secret, TOTP } from "otpauth";

/** The length of a TOTP time step, as the app's two-factor plugin uses it (src/server/two-factor/totp-replay.ts). */
export const TOTP_PERIOD_MS = 30_000;

/**
 * What an authenticator app shows for `secret` (base32, as the otpauth:// URI
 * and the settings page give it) at `ms`: RFC 6238, by the `otpauth` package,
 * not by the server's own code.
 */
export function totpCodeAt(secret: string, ms: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({
    timestamp: ms,
  });
}

/** The base32 secret an otpauth:// URI carries. */
export function totpSecretOf(totpURI: string): string {
  return new URL(totpURI).searchParams.get("secret")!;
}
