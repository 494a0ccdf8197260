import { createHash } from "node:crypto";

/**
 * Rate-limit keys. An email is normalised as Better Auth looks accounts up
 * (lower case), so spellings of one account share its budget, and hashed:
 * the table holds no addresses, and a megabyte-long "email" makes a key of
 * the usual size.
 */
export function accountKey(email: string): string {
  return `account:${createHash("sha256").update(email.trim().toLowerCase()).digest("base64url")}`;
}

export function ipKey(scope: string, ip: string): string {
  return `ip:${scope}:${ip}`;
}
