/**
 * `npm run oidc:dev`: a local OpenID Connect provider (tooling/oidc-provider.ts,
 * oidc-provider from npm) for trying "Sign in with OpenID Connect" under
 * `npm run dev`. Prints the four settings to put in .env.local; its login page
 * takes the logins "verified" and "unverified" (any password), whose address
 * the provider says is, or is not, verified. State lives in memory until Ctrl-C.
 */
import nextEnv from "@next/env";

import { DEV_ACCOUNTS, startOidcProvider } from "../tooling/oidc-provider";
import { preferredOrFreePort } from "../tooling/free-port";

/** Where it listens unless taken: the issuer (and so .env.local) stays the same from one run to the next. */
const DEFAULT_PORT = 4400;

nextEnv.loadEnvConfig(process.cwd(), true);
const appUrl = process.env.BETTER_AUTH_URL ?? "http://localhost:3000";

const provider = await startOidcProvider({
  port: await preferredOrFreePort(DEFAULT_PORT),
  // Fixed, so .env.local keeps working across restarts; this provider only ever runs on this machine.
  clientId: "typed-worker-stack-dev",
  clientSecret: "dev-only-client-secret-for-the-local-provider",
  redirectUris: [new URL("/api/auth/callback/oidc", appUrl).href],
});

console.log(`OpenID Connect provider on ${provider.issuer}; put these in .env.local, then restart npm run dev:

OIDC_ISSUER=${provider.issuer}
OIDC_CLIENT_ID=${provider.clientId}
OIDC_CLIENT_SECRET=${provider.clientSecret}
OIDC_NAME=Local ID

Logins (any password): ${DEV_ACCOUNTS.map((account) => `${account.login} (${account.email}, email_verified ${String(account.emailVerified)})`).join("; ")}.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void provider.stop().then(() => process.exit(0)));
}
