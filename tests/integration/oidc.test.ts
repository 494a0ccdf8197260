import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { signInErrorInWords } from "~/app/_components/sign-in-errors";
import { env } from "~/env";
import { db } from "~/server/db/prisma";
import { OIDC_PROVIDER_ID } from "~/server/oidc-sign-in";
import { freePorts } from "../../tooling/child-service";
import { startOidcProvider, type RunningOidcProvider } from "../../tooling/oidc-provider";
import { authWith } from "../support/app-auth";
import { ProviderBrowser } from "../support/oidc-browser";
import { sourceWeb } from "../support/source-web";
import { appOrigin, TestBrowser, uniqueEmail } from "../support/test-browser";

// "Sign in with OpenID Connect" against a real provider (oidc-provider,
// tooling/oidc-provider.ts) and a real web process: the code flow through the
// provider's login and consent pages, and each way it must fail — a tampered
// state, a replayed code, a wrong nonce, an ID token signed by another key,
// an identity whose address belongs to another account — each sent back to
// the sign-in page with a code it puts in words, and nothing created.
//
// The provider stands behind a small proxy that is its issuer: when told to,
// it re-signs the ID token in the token endpoint's answer with a key of its
// own (same kid), a real HTTP hop between the app and the provider.

const NAME = "Test ID";
let provider: RunningOidcProvider;
let proxy: Server & { resign: boolean; resigned: number };
let web: ReturnType<typeof sourceWeb>;
/** The same, where accounts must have verified addresses (REQUIRE_EMAIL_VERIFICATION, production's default). */
let strictWeb: ReturnType<typeof sourceWeb>;

beforeAll(async () => {
  const [proxyPort, webPort, strictPort] = await freePorts(3);
  const issuer = `http://127.0.0.1:${String(proxyPort)}`;
  provider = await startOidcProvider({
    issuer: () => issuer,
    redirectUris: [`${appOrigin}/api/auth/callback/${OIDC_PROVIDER_ID}`],
    accounts: [],
  });
  proxy = await resigningProxy(proxyPort!, provider.url, provider.signingKeyId);
  const env = {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_CLIENT_SECRET: provider.clientSecret,
    OIDC_NAME: NAME,
    // Everything Better Auth says, to prove no code, token or secret is among it.
    LOG_LEVEL: "debug",
  };
  web = sourceWeb({ name: "oidc-web", port: webPort!, env });
  strictWeb = sourceWeb({
    name: "oidc-web-strict",
    port: strictPort!,
    env: { ...env, REQUIRE_EMAIL_VERIFICATION: "true" },
  });
  await Promise.all([web.start(), strictWeb.start()]);
});

afterAll(async () => {
  await Promise.all([web?.stop(), strictWeb?.stop()]);
  await new Promise((resolve) => proxy?.close(resolve));
  await provider?.stop();
});

/** Every code and token the provider handed out in this file: none may reach the web tier's log. */
const secretsSeen = new Set<string>();

/** A provider account with a fresh address (or `email`), as its login page knows it. */
function providerAccount({ email = uniqueEmail("oidc"), emailVerified = true } = {}) {
  const login = `user-${crypto.randomUUID()}`;
  provider.addAccount({ login, email, emailVerified, name: "Olive Idc" });
  return { login, email };
}

/** Starts "Sign in with …" (or a link, for a signed-in browser) and returns the provider's authorization URL. */
async function start(browser: TestBrowser, kind: "sign-in" | "link" = "sign-in"): Promise<URL> {
  const answer =
    kind === "sign-in"
      ? await browser.post("/sign-in/social", {
          provider: OIDC_PROVIDER_ID,
          callbackURL: "/dashboard",
          errorCallbackURL: "/sign-in",
        })
      : await browser.post("/link-social", {
          provider: OIDC_PROVIDER_ID,
          callbackURL: "/dashboard/account",
          errorCallbackURL: "/sign-in",
        });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return new URL(answer.json!.url as string);
}

/** Back at the app's callback with what the provider sent: where the app sends the browser next. */
async function callback(browser: TestBrowser, redirect: URL): Promise<URL> {
  expect(redirect.origin).toBe(appOrigin);
  const code = redirect.searchParams.get("code");
  if (code) secretsSeen.add(code);
  const answer = await browser.get(`${redirect.pathname.replace(/^\/api\/auth/, "")}${redirect.search}`);
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location")!, appOrigin);
}

async function signInThroughProvider(browser: TestBrowser, login: string, kind: "sign-in" | "link" = "sign-in") {
  const authorization = await start(browser, kind);
  return callback(browser, await new ProviderBrowser(provider.issuer).signIn(authorization.href, login));
}

/** The session the web process reads for this browser (its pages' and tRPC calls' read), or null. */
async function sessionOf(browser: TestBrowser) {
  const response = await fetch(`${web.url}/session`, { headers: { cookie: browser.cookie } });
  if (response.status === 401) return null;
  expect(response.status).toBe(200);
  return (await response.json()) as { sessionId: string; user: { id: string; email: string; emailVerified: boolean } };
}

/** Sent to the sign-in page with `code`, which it puts in words of its own. */
function expectRefusal(location: URL, code: string) {
  expect(location.pathname).toBe("/sign-in");
  expect(location.searchParams.get("error")).toBe(code);
  expect(signInErrorInWords(code, NAME)).not.toBe(signInErrorInWords("something-else", NAME));
}

async function expectNothingFor(email: string) {
  expect(await db.user.findUnique({ where: { email } })).toBeNull();
}

async function rowsOf(email: string) {
  const user = await db.user.findUniqueOrThrow({ where: { email }, include: { accounts: true, sessions: true } });
  return { user, providers: user.accounts.map((account) => account.providerId).sort(), sessions: user.sessions.length };
}

describe("sign in with OpenID Connect", () => {
  it("signs a new identity in through the provider's login and consent pages: an account, a session", async () => {
    const { login, email } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    const authorization = await start(browser);
    // The code flow with PKCE, a state and a nonce, asking for the address.
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get("response_type")).toBe("code");
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorization.searchParams.get("code_challenge")).toBeTruthy();
    expect(authorization.searchParams.get("state")).toBeTruthy();
    expect(authorization.searchParams.get("nonce")).toBeTruthy();
    expect(authorization.searchParams.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));

    const landed = await callback(
      browser,
      await new ProviderBrowser(provider.issuer).signIn(authorization.href, login),
    );
    expect(landed.pathname).toBe("/dashboard");
    const session = await sessionOf(browser);
    expect(session?.user).toMatchObject({ email, emailVerified: true });
    expect(await rowsOf(email)).toMatchObject({ providers: [OIDC_PROVIDER_ID], sessions: 1 });

    // Again, later: the same account, a second session.
    const again = new TestBrowser({ server: web.url });
    expect((await signInThroughProvider(again, login)).pathname).toBe("/dashboard");
    expect((await sessionOf(again))?.user.id).toBe(session!.user.id);
    expect(await rowsOf(email)).toMatchObject({ providers: [OIDC_PROVIDER_ID], sessions: 2 });
  });

  it("refuses a callback whose state was tampered with", async () => {
    const { login, email } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    const redirect = await new ProviderBrowser(provider.issuer).signIn((await start(browser)).href, login);
    redirect.searchParams.set("state", `${redirect.searchParams.get("state")!.slice(0, -1)}x`);
    expectRefusal(await callback(browser, redirect), "state_mismatch");
    expect(await sessionOf(browser)).toBeNull();
    await expectNothingFor(email);
  });

  it("refuses a code used already: in its own callback again, and carried into another sign-in", async () => {
    const { login, email } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    const redirect = await new ProviderBrowser(provider.issuer).signIn((await start(browser)).href, login);
    expect((await callback(browser, redirect)).pathname).toBe("/dashboard");
    expect(await rowsOf(email)).toMatchObject({ sessions: 1 });

    // The same callback URL once more: its state was used up.
    const replayer = new TestBrowser({ server: web.url });
    const replayed = new URL(redirect);
    // The victim's state cookie is not the replayer's, so carry it into a sign-in of their own:
    const own = await start(replayer);
    replayed.searchParams.set("state", own.searchParams.get("state")!);
    expectRefusal(await callback(replayer, replayed), "invalid_code");
    expectRefusal(await callback(browser, redirect), "state_mismatch");
    expect(await sessionOf(replayer)).toBeNull();
    expect(await rowsOf(email)).toMatchObject({ providers: [OIDC_PROVIDER_ID], sessions: 1 });
  });

  it("refuses an ID token whose nonce is not the one this sign-in sent", async () => {
    const { login, email } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    const authorization = await start(browser);
    authorization.searchParams.set("nonce", "a-nonce-this-app-never-made");
    const redirect = await new ProviderBrowser(provider.issuer).signIn(authorization.href, login);
    expectRefusal(await callback(browser, redirect), "unable_to_get_user_info");
    expect(await sessionOf(browser)).toBeNull();
    await expectNothingFor(email);
  });

  it("refuses an ID token signed by another key than the provider's", async () => {
    const { login, email } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    proxy.resign = true;
    try {
      expectRefusal(await signInThroughProvider(browser, login), "unable_to_get_user_info");
    } finally {
      proxy.resign = false;
    }
    expect(proxy.resigned).toBe(1);
    expect(await sessionOf(browser)).toBeNull();
    await expectNothingFor(email);
  });

  it("refuses an ID token posted by the browser: only the redirect flow signs in", async () => {
    const browser = new TestBrowser({ server: web.url });
    const answer = await browser.post("/sign-in/social", { provider: OIDC_PROVIDER_ID, idToken: { token: "a.b.c" } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: "ID_TOKEN_SIGN_IN_NOT_ALLOWED" });
  });

  it("opens an account for a new address the provider has not verified, marked unverified", async () => {
    const { login, email } = providerAccount({ emailVerified: false });
    const browser = new TestBrowser({ server: web.url });
    expect((await signInThroughProvider(browser, login)).pathname).toBe("/dashboard");
    expect((await sessionOf(browser))?.user).toMatchObject({ email, emailVerified: false });
  });

  it("where addresses must be verified, refuses a new account for an address the provider has not verified", async () => {
    const { login, email } = providerAccount({ emailVerified: false });
    const browser = new TestBrowser({ server: strictWeb.url });
    expectRefusal(await signInThroughProvider(browser, login), "email_not_verified_by_provider");
    await expectNothingFor(email);
    // A verified one is welcome there.
    const verified = providerAccount();
    expect((await signInThroughProvider(new TestBrowser({ server: strictWeb.url }), verified.login)).pathname).toBe(
      "/dashboard",
    );
  });
});

describe("an identity whose address belongs to an existing account", () => {
  /** A password account, signed in, and a provider identity with its address. */
  async function passwordAccount({ emailVerified }: { emailVerified: boolean }) {
    const owner = new TestBrowser({ server: web.url });
    const { email } = await owner.signUp({ email: uniqueEmail("oidc-owner") });
    const { login } = providerAccount({ email, emailVerified });
    return { owner, email, login };
  }

  it("is refused at sign-in, verified or not: the owner links it from settings", async () => {
    for (const emailVerified of [true, false]) {
      const { email, login } = await passwordAccount({ emailVerified });
      const stranger = new TestBrowser({ server: web.url });
      const location = await signInThroughProvider(stranger, login);
      expectRefusal(location, "account_not_linked");
      expect(signInErrorInWords("account_not_linked", NAME)).toContain("Sign in with your password, then link");
      expect(await sessionOf(stranger)).toBeNull();
      expect(await rowsOf(email)).toMatchObject({ providers: ["credential"], sessions: 1 });
    }
  });

  it("is refused as a link when the provider has not verified the address", async () => {
    const { owner, email, login } = await passwordAccount({ emailVerified: false });
    expectRefusal(await signInThroughProvider(owner, login, "link"), "unable_to_link_account");
    expect(await rowsOf(email)).toMatchObject({ providers: ["credential"], sessions: 1 });
  });

  it("links when the owner starts it and the provider verified the address; unlinks while another method remains", async () => {
    const { owner, email, login } = await passwordAccount({ emailVerified: true });
    expect((await signInThroughProvider(owner, login, "link")).pathname).toBe("/dashboard/account");
    expect(await rowsOf(email)).toMatchObject({ providers: ["credential", OIDC_PROVIDER_ID] });

    // Now it signs in to that account.
    const elsewhere = new TestBrowser({ server: web.url });
    expect((await signInThroughProvider(elsewhere, login)).pathname).toBe("/dashboard");
    expect((await sessionOf(elsewhere))?.user.email).toBe(email);

    // The list the settings page shows: no token in it.
    const listed = await owner.get("/list-accounts");
    expect(listed.status).toBe(200);
    const accounts = listed.json as unknown as { id: string; providerId: string }[];
    expect(accounts.map((account) => account.providerId).sort()).toEqual(["credential", OIDC_PROVIDER_ID]);
    expect(JSON.stringify(accounts)).not.toMatch(/accessToken|idToken|refreshToken|password/);

    const oidcAccount = accounts.find((account) => account.providerId === OIDC_PROVIDER_ID)!;
    expect((await owner.post("/unlink-account", { accountId: oidcAccount.id })).status).toBe(200);
    expect(await rowsOf(email)).toMatchObject({ providers: ["credential"] });
    const credential = accounts.find((account) => account.providerId === "credential")!;
    const last = await owner.post("/unlink-account", { accountId: credential.id });
    expect(last.status).toBe(400);
    expect(last.json).toMatchObject({ code: "FAILED_TO_UNLINK_LAST_ACCOUNT" });
  });

  it("keeps the provider as the only method of an account it made: the last one cannot be unlinked", async () => {
    const { login } = providerAccount();
    const browser = new TestBrowser({ server: web.url });
    await signInThroughProvider(browser, login);
    const accounts = (await browser.get("/list-accounts")).json as unknown as { id: string }[];
    expect(accounts).toHaveLength(1);
    const answer = await browser.post("/unlink-account", { accountId: accounts[0]!.id });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: "FAILED_TO_UNLINK_LAST_ACCOUNT" });
  });
});

describe("a provider that cannot be reached", () => {
  it("is a 502 in words, not 'provider not found'; sign-in works once it is back, without a restart", async () => {
    const [port] = await freePorts(1);
    const issuer = `http://127.0.0.1:${String(port)}`;
    const downAuth = authWith({
      trustedProxyHops: env().TRUSTED_PROXY_HOPS,
      oidc: { issuer, clientId: "late-client", clientSecret: "late-secret", name: "Late ID" },
    });
    const browser = new TestBrowser({ auth: downAuth });
    const signIn = () => browser.post("/sign-in/social", { provider: OIDC_PROVIDER_ID, callbackURL: "/dashboard" });

    const refused = await signIn();
    expect(refused.status).toBe(502);
    expect(refused.json).toEqual({
      code: "PROVIDER_UNREACHABLE",
      message: "Late ID cannot be reached right now: try again in a moment, or sign in another way.",
    });

    const late = await startOidcProvider({
      port,
      clientId: "late-client",
      clientSecret: "late-secret",
      redirectUris: [`${appOrigin}/api/auth/callback/${OIDC_PROVIDER_ID}`],
    });
    try {
      const started = await signIn();
      expect(started.status, JSON.stringify(started.json)).toBe(200);
      expect(new URL(String(started.json?.url)).origin).toBe(issuer);
    } finally {
      await late.stop();
    }
  });
});

describe("the web tier's log", () => {
  // (Without SMTP_URL the app writes its mails, links included, to this log by design.)
  it("holds no authorization code, client secret or provider token", async () => {
    const log = (await web.logs()) + (await strictWeb.logs());
    expect(log.length).toBeGreaterThan(0);
    expect(secretsSeen.size).toBeGreaterThan(3);
    for (const secret of [...secretsSeen, provider.clientSecret]) expect(log).not.toContain(secret);
  });
});

/**
 * The provider's issuer: forwards every request to it, Host kept (the
 * provider builds its URLs from it). With `resign` set, the ID token in the
 * token endpoint's answer is signed again, same header and claims, with a key
 * the provider never published.
 */
async function resigningProxy(port: number, target: string, kid: string) {
  const { privateKey } = await generateKeyPair("RS256");
  const server = createServer((req, res) => {
    const upstream = request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        void (async () => {
          let body = Buffer.concat(chunks);
          if (server.resign && req.url?.startsWith("/token") && answer.statusCode === 200) {
            const tokens = JSON.parse(body.toString()) as { id_token: string };
            const header = decodeProtectedHeader(tokens.id_token);
            expect(header.kid).toBe(kid);
            tokens.id_token = await new SignJWT(decodeJwt(tokens.id_token))
              .setProtectedHeader({ alg: "RS256", kid })
              .sign(privateKey);
            body = Buffer.from(JSON.stringify(tokens));
            server.resigned++;
          }
          if (req.url?.startsWith("/token") && answer.statusCode === 200) {
            const tokens = JSON.parse(body.toString()) as Record<string, string>;
            for (const key of ["access_token", "id_token", "refresh_token"])
              if (tokens[key]) secretsSeen.add(tokens[key]);
          }
          const headers = { ...answer.headers, "content-length": String(body.length) };
          delete headers["transfer-encoding"];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        })().catch(() => res.writeHead(502).end());
      });
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  }) as Server & { resign: boolean; resigned: number };
  server.resign = false;
  server.resigned = 0;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  expect((server.address() as AddressInfo).port).toBe(port);
  return server;
}
