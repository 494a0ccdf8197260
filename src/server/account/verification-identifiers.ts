import { createHash } from "node:crypto";

/**
 * How Better Auth stores the identifiers of its verification rows (a reset
 * link's `reset-password:<token>`, a deletion link's `delete-account-<token>`):
 * hashed, so reading the table hands out no usable link, and looked up by
 * that hash, so a lookup's timing says nothing about any token (an attacker
 * cannot choose what the hash of a guess starts with). The purpose before the
 * first ":" stays readable: "a newer reset link voids the older ones" deletes
 * a user's rows by it (reset-mail.ts). Tokens are Better Auth's own: 24 random
 * characters (reset) or 32 (deletion) from a CSPRNG.
 */
export async function hashVerificationIdentifier(identifier: string): Promise<string> {
  const colon = identifier.indexOf(":");
  const purpose = colon === -1 ? "" : identifier.slice(0, colon + 1);
  return purpose + createHash("sha256").update(identifier).digest("base64url");
}

export const RESET_PASSWORD_PURPOSE = "reset-password:";
