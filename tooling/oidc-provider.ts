/**
 * A real OpenID Connect provider for tests and development: `oidc-provider`
 * (OpenID-certified), in this process, with one registered client (code flow,
 * PKCE required, client_secret_basic or _post), its own login and consent
 * pages (devInteractions: any password is accepted for a known login) and
 * accounts whose claims carry email and email_verified. The integration and
 * end-to-end tests start it (tests/integration/oidc.test.ts,
 * tests/e2e/oidc.e2e.ts); `npm run oidc:dev` runs it for `npm run dev`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type ClientMetadata } from "oidc-provider";

export interface ProviderAccount {
  /** What is typed into the provider's login page (and the `sub` claim). */
  login: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

/** The two accounts `npm run oidc:dev` starts with. */
export const DEV_ACCOUNTS: ProviderAccount[] = [
  { login: "verified", email: "verified@example.test", emailVerified: true, name: "Vera Verified" },
  { login: "unverified", email: "unverified@example.test", emailVerified: false, name: "Una Unverified" },
];

export interface OidcProviderOptions {
  /** Where the provider listens (127.0.0.1); 0 or unset: a free port. */
  port?: number;
  /** The issuer it names; default its own http://127.0.0.1:port. A different one puts it behind a proxy at that URL. */
  issuer?: (port: number) => string;
  clientId?: string;
  clientSecret?: string;
  /** The app's callback URLs (BETTER_AUTH_URL + /api/auth/callback/oidc). */
  redirectUris: string[];
  accounts?: ProviderAccount[];
}

export interface RunningOidcProvider {
  issuer: string;
  /** Where it listens, which is the issuer unless a proxy stands in front. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Adds (or replaces) an account its login page accepts. */
  addAccount(account: ProviderAccount): void;
  /** The signing key's id, for a test that signs a token of its own under it. */
  signingKeyId: string;
  stop(): Promise<void>;
}

export async function startOidcProvider({
  port = 0,
  issuer: issuerFor = (port) => `http://127.0.0.1:${String(port)}`,
  clientId = "typed-worker-stack",
  clientSecret = `dev-secret-${crypto.randomUUID()}`,
  redirectUris,
  accounts = DEV_ACCOUNTS,
}: OidcProviderOptions): Promise<RunningOidcProvider> {
  const known = new Map(accounts.map((account) => [account.login, account]));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKeyId = `key-${crypto.randomUUID()}`;
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: signingKeyId, alg: "RS256", use: "sig" };

  // Listen first: the issuer may name the port.
  const app: { handle?: (req: IncomingMessage, res: ServerResponse) => unknown } = {};
  const server = createServer((req, res) => void app.handle?.(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const issuer = issuerFor((server.address() as AddressInfo).port);

  const client: ClientMetadata = {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  };
  const provider = new Provider(issuer, {
    clients: [client, { ...client, client_id: `${clientId}-post`, token_endpoint_auth_method: "client_secret_post" }],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomUUID()] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    // Seconds; set so the provider does not warn that its defaults were used.
    ttl: { AuthorizationCode: 60, AccessToken: 3600, IdToken: 3600, Interaction: 3600, Session: 86_400, Grant: 86_400 },
    findAccount: (_ctx, sub) => {
      const account = known.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: account.email, email_verified: account.emailVerified, name: account.name }),
      };
    },
  });
  // Its warnings about development-only defaults are for a deployment; this is not one.
  provider.on("server_error", (_ctx, error) => console.error(`oidc-provider: ${error.message}`));
  app.handle = provider.callback();

  return {
    issuer,
    url,
    clientId,
    clientSecret,
    signingKeyId,
    addAccount: (account) => known.set(account.login, account),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
