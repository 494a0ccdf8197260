import { twoFactorClient } from "better-auth/client/plugins";
import { passkeyClient } from "@better-auth/passkey/client";
import { createAuthClient } from "better-auth/react";

import { fetchWaitingOut503 } from "~/trpc/retry-after-fetch";

// Same-origin: the auth routes live in this Next.js app at /api/auth. A 503
// with Retry-After (busy, or the database down) is waited out as tRPC's are.
// A sign-in that needs its second factor answers { twoFactorRedirect }: the
// sign-in form sends the browser on to /sign-in/two-factor itself.
export const authClient = createAuthClient({
  fetchOptions: { customFetchImpl: fetchWaitingOut503() },
  plugins: [twoFactorClient(), passkeyClient()],
});
