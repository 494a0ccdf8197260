import "server-only";

import { db } from "~/server/db/prisma";

/** Whether the user can sign in with a password (accounts made by single sign-on cannot). */
export async function hasPassword(userId: string): Promise<boolean> {
  const credentials = await db.account.count({
    where: { userId, providerId: "credential", password: { not: null } },
  });
  return credentials > 0;
}
