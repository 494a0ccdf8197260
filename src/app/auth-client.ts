import { createAuthClient } from "better-auth/react";

// Same-origin: the auth routes live in this Next.js app at /api/auth.
export const authClient = createAuthClient();
