import { createHash } from "node:crypto";

/**
 * Rate-limit keys. An email is normalised as Better Auth looks accounts up
 * (lower case), so spellings of one account share its budget, and hashed:
 * the table holds no addresses, and a megabyte-long "email" makes a key of
 * the usual size.
 */
export function accountKey(email: string): string {
  return `account:${addressHash(email)}`;
}

/**
 * An account's second-factor codes (rules.ts, SECOND_FACTOR_PATHS): by user
 * id, which is what the plugin's pending sign-in names, and which a change
 * of address does not reset.
 */
export function secondFactorKey(userId: string): string {
  return `second-factor:${userId}`;
}

/** Requests on `path` that mail `address` (rules.ts, MAIL_REQUEST_RULES). */
export function mailRequestKey(path: string, address: string): string {
  return `mail-request:${path}:${addressHash(address)}`;
}

/** An account's password checks from a browser that proved its password before (trusted-device.ts). */
export function deviceKey(email: string, device: string): string {
  return `${accountKey(email)}:device:${device}`;
}

export function addressHash(address: string): string {
  return createHash("sha256").update(address.trim().toLowerCase()).digest("base64url");
}

export function ipKey(scope: string, ip: string): string {
  return `ip:${scope}:${ip}`;
}
