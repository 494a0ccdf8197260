import { TRPCError } from "@trpc/server";
import { isAPIError } from "better-auth/api";
import { z } from "zod";

import { describeDevice } from "~/server/account/device-name";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { auth } from "~/server/auth";

/** One answer for an id that is not a session of the caller's, whether it is someone else's or none at all. */
const NOT_YOUR_SESSION = "That session has ended already, or it is not one of yours.";

export const accountRouter = createTRPCRouter({
  /**
   * The caller's live sessions, this one first, then the most recently
   * renewed. Read from the database rather than Better Auth's list-sessions,
   * which answers with each session's token: the browser gets ids and words,
   * never a credential (src/server/hide-session-tokens.ts).
   */
  sessions: protectedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.session.findMany({
      where: { userId: ctx.session.user.id, expiresAt: { gt: new Date() } },
      select: { id: true, userAgent: true, ipAddress: true, createdAt: true, updatedAt: true },
      orderBy: { updatedAt: "desc" },
    });
    const current = ctx.session.session.id;
    return rows
      .map((row) => ({
        id: row.id,
        device: describeDevice(row.userAgent),
        // Null when none was recorded: Better Auth writes "" when it tracks no
        // address (TRUSTED_PROXY_HOPS=0), null when the request named none.
        ipAddress: row.ipAddress || null,
        createdAt: row.createdAt,
        lastActive: row.updatedAt,
        current: row.id === current,
      }))
      .sort((a, b) => Number(b.current) - Number(a.current));
  }),

  /**
   * Signs one of the caller's other sessions out. The browser never holds
   * tokens, so the token is looked up here and handed to Better Auth's own
   * revoke-session: its hooks run as for any sign-out (the session's cached
   * worker token is dropped; the worker refuses its tokens within a second).
   */
  revokeSession: protectedProcedure
    .input(z.object({ sessionId: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input: { sessionId } }) => {
      if (sessionId === ctx.session.session.id) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "That is the session you are using now: to end it, sign out.",
        });
      }
      const target = await ctx.db.session.findFirst({
        where: { id: sessionId, userId: ctx.session.user.id },
        select: { token: true },
      });
      if (!target) throw new TRPCError({ code: "NOT_FOUND", message: NOT_YOUR_SESSION });
      try {
        await auth.api.revokeSession({ body: { token: target.token }, headers: ctx.headers });
      } catch (error) {
        // The caller's own session ended between the context and this call.
        if (isAPIError(error) && error.statusCode === 401)
          throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue.", cause: error });
        throw error;
      }
      return { revoked: sessionId };
    }),
});
