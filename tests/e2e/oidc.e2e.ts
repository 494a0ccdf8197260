import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { signUp } from "../../tooling/app-client";
import { freePorts } from "../../tooling/child-service";
import { startOidcProvider, type RunningOidcProvider } from "../../tooling/oidc-provider";
import { expectWorkerPanelsShow, openWatchedPage, Steps } from "./browser";
import { expectPageSecurityHeaders } from "./security-headers";
import { startStack, type Stack } from "./stack";

// "Sign in with OpenID Connect" in Chromium against the production build and
// a real provider (oidc-provider, tooling/oidc-provider.ts): the button, the
// provider's own login and consent pages, back to the dashboard and the
// worker (the same session and worker-token exchange as a password sign-in);
// an address that belongs to a password account refused in words; that
// account linking the provider from its settings.

const NAME = "Example ID";
let provider: RunningOidcProvider;
let stack: Stack;
let browser: Browser;
let page: Page;
let cspViolations: string[];

beforeAll(async () => {
  // The web tier must know the issuer and the provider its redirect URI: the
  // port is taken first, the provider started once the stack's URL is known
  // (Better Auth discovers the provider again on the first sign-in if it was not up yet).
  const [providerPort] = await freePorts(1);
  const issuer = `http://127.0.0.1:${String(providerPort)}`;
  const clientSecret = `e2e-${crypto.randomUUID()}`;
  stack = await startStack("oidc", {
    webEnv: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: "e2e-app", OIDC_CLIENT_SECRET: clientSecret, OIDC_NAME: NAME },
  });
  provider = await startOidcProvider({
    port: providerPort,
    clientId: "e2e-app",
    clientSecret,
    redirectUris: [`${stack.webUrl}/api/auth/callback/oidc`],
    accounts: [],
  });
  ({ browser, page, cspViolations } = await openWatchedPage());
});

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  await stack?.stop();
});

/** On the provider's own pages: its login form (any password), then its consent page. */
async function throughProvider(target: Page, login: string) {
  await target.waitForURL(`${provider.issuer}/**`);
  await target.fill('input[name="login"]', login);
  await target.fill('input[name="password"]', "any password");
  await target.click('button[type="submit"]');
  await target.getByRole("button", { name: "Continue" }).click();
}

test("sign in with the provider → dashboard and worker; an address of a password account refused, then linked from settings", async () => {
  const steps = new Steps(page, "oidc");
  const email = `olive-${crypto.randomUUID().slice(0, 8)}@example.com`;
  provider.addAccount({ login: "olive", email, emailVerified: true, name: "Olive Browser" });

  await steps.run("sign-in page offers the provider", async () => {
    expectPageSecurityHeaders(await page.goto(`${stack.webUrl}/sign-in`), stack.browserWorkerUrl);
    await page.getByRole("button", { name: `Sign in with ${NAME}` }).click();
  });

  await steps.run("provider's login and consent pages", () => throughProvider(page, "olive"));

  await steps.run("back on the dashboard, the worker answers", async () => {
    await page.waitForURL(`${stack.webUrl}/dashboard`);
    await expect.poll(() => page.getByTestId("user-email").textContent()).toBe(email);
    await expectWorkerPanelsShow(page, email);
  });

  await steps.run("settings list the provider as the only sign-in method", async () => {
    await page.goto(`${stack.webUrl}/dashboard/account`);
    const methods = page.getByTestId("sign-in-method-name");
    await expect.poll(() => methods.allTextContents()).toEqual([NAME]);
    expect(await page.getByText("Your only sign-in method cannot be removed.").count()).toBe(1);
  });

  // A password account, and a provider identity with its address.
  const owner = await signUp(stack.webUrl, "owner");
  provider.addAccount({ login: "owner", email: owner.email, emailVerified: true, name: owner.name });
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  otherPage.setDefaultTimeout(15_000);
  const ownerSteps = new Steps(otherPage, "oidc-owner");

  await ownerSteps.run("the provider's identity for a password account's address is refused in words", async () => {
    await otherPage.goto(`${stack.webUrl}/sign-in`);
    await otherPage.getByRole("button", { name: `Sign in with ${NAME}` }).click();
    await throughProvider(otherPage, "owner");
    await otherPage.waitForURL(`${stack.webUrl}/sign-in?error=account_not_linked`);
    await expect
      .poll(() => otherPage.getByTestId("sign-in-error").textContent())
      .toContain("Sign in with your password, then link");
  });

  await ownerSteps.run("the owner signs in with the password and links the provider from settings", async () => {
    await otherPage.fill('input[name="email"]', owner.email);
    await otherPage.fill('input[name="password"]', owner.password);
    await otherPage.click('button[type="submit"]');
    await otherPage.waitForURL(`${stack.webUrl}/dashboard`);
    await otherPage.goto(`${stack.webUrl}/dashboard/account`);
    await expect.poll(() => otherPage.getByTestId("sign-in-method-name").allTextContents()).toEqual(["Password"]);
    await otherPage.getByRole("button", { name: `Link ${NAME}` }).click();
    // The provider remembers this browser from the refused sign-in: straight back, no pages.
    await otherPage.waitForURL(`${stack.webUrl}/dashboard/account`);
    await expect
      .poll(async () => (await otherPage.getByTestId("sign-in-method-name").allTextContents()).sort())
      .toEqual([NAME, "Password"].sort());
  });

  await ownerSteps.run("a failed link sent to the sign-in page goes on to settings, in words", async () => {
    await otherPage.goto(`${stack.webUrl}/sign-in?error=unable_to_link_account`);
    await otherPage.waitForURL(`${stack.webUrl}/dashboard/account?method-error=unable_to_link_account`);
    await expect
      .poll(() => otherPage.getByRole("region", { name: "Sign-in methods" }).getByRole("alert").textContent())
      .toContain(`${NAME} could not be linked`);
  });

  await ownerSteps.run("the provider can be removed again: the password remains", async () => {
    await otherPage.getByRole("button", { name: `Remove ${NAME}` }).click();
    await expect.poll(() => otherPage.getByTestId("sign-in-method-name").allTextContents()).toEqual(["Password"]);
  });

  await other.close();
  expect(cspViolations).toEqual([]);
  await steps.finish();
  await ownerSteps.finish();
});
