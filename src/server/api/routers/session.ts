import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";

export const sessionRouter = createTRPCRouter({
  /** Who the caller is, as the web tier's session says. */
  me: protectedProcedure.query(({ ctx }) => {
    const { user, session } = ctx.session;
    return {
      user: { id: user.id, name: user.name, email: user.email, createdAt: user.createdAt },
      session: { id: session.id, expiresAt: session.expiresAt },
    };
  }),
});
