import { randomBytes } from "node:crypto";

import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { queryOnce } from "../support/test-database";
import { openWatchedPage, signUpInBrowser, Steps, type WatchedPage } from "./browser";
import { startStack, type Stack } from "./stack";

// Passkeys in Chromium against the production build, with Chromium's virtual
// authenticator (DevTools' WebAuthn domain) in place of a device: added from
// the account page, signing in from the sign-in page's button and its email
// field's autofill (conditional UI), refused after removal, with a signature count that went back, and from another origin.
// The app is served as http://localhost:<port>: WebAuthn takes no IP address
// as relying party.

let stack: Stack;
let watched: WatchedPage;
let cdp: CDPSession;
let authenticatorId: string;

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
}

beforeAll(async () => {
  stack = await startStack("passkeys", { webHost: "localhost" });
  watched = await openWatchedPage();
  // The virtual authenticator answers a conditional (autofill) request at
  // once, as if the user had picked the passkey in the list: every visit of
  // the sign-in page would sign in. The page is told the browser has no
  // conditional UI, except on /sign-in?autofill, where that is the test.
  await watched.page.addInitScript(() => {
    if (new URLSearchParams(location.search).has("autofill")) return;
    Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", {
      value: () => Promise.resolve(false),
    });
  });
  cdp = await watched.context.newCDPSession(watched.page);
  await cdp.send("WebAuthn.enable");
  ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});

afterAll(async () => {
  await watched?.browser.close();
  await stack?.stop();
});

async function credentials(): Promise<VirtualCredential[]> {
  return ((await cdp.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials: VirtualCredential[] })
    .credentials;
}

async function storedCounter(): Promise<number> {
  const rows = await queryOnce<{ counter: number }>(stack.database.url, `SELECT counter FROM passkey`);
  expect(rows).toHaveLength(1);
  return rows[0]!.counter;
}

async function signOut(page: Page) {
  await page.goto(`${stack.webUrl}/dashboard`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/sign-in**");
}

async function passkeyButton(page: Page, origin = stack.webUrl) {
  await page.goto(`${origin}/sign-in`);
  await expect.poll(() => page.getAttribute('input[name="email"]', "autocomplete")).toBe("username webauthn");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

test("add a passkey → sign in with it (button, autofill) → a replayed count refused → removed, refused → another origin refused", async () => {
  const { page, cspViolations } = watched;
  const steps = new Steps(page, "passkeys");
  const user = {
    name: "Pia Passkey",
    email: `pia-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };

  await steps.run("sign up, add a named passkey from the account page", async () => {
    await signUpInBrowser(page, stack.webUrl, user);
    await page.goto(`${stack.webUrl}/dashboard/account`);
    const section = page.getByRole("region", { name: "Passkeys" });
    await section.getByTestId("no-passkeys").waitFor();
    await section.getByLabel("Passkey name").fill("Test laptop");
    await section.getByRole("button", { name: "Add a passkey" }).click();
    await section.getByRole("status").filter({ hasText: "Passkey “Test laptop” added" }).waitFor();
    const item = section.getByTestId("passkey");
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.locator("strong").textContent()).toBe("Test laptop");
    expect(await item.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    const [credential] = await credentials();
    expect(credential).toMatchObject({ rpId: "localhost", isResidentCredential: true });
  });

  await steps.run("rename it", async () => {
    const section = page.getByRole("region", { name: "Passkeys" });
    await section.getByRole("button", { name: "Rename" }).click();
    const form = section.getByRole("form", { name: "Rename Test laptop" });
    await form.getByLabel("Name").fill("Work laptop");
    await form.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => section.getByTestId("passkey").locator("strong").textContent()).toBe("Work laptop");
  });

  await steps.run("sign out, sign in with the passkey's button: the dashboard, as the user", async () => {
    await signOut(page);
    await passkeyButton(page);
    await page.waitForURL("**/dashboard");
    expect(await page.getByTestId("user-email").textContent()).toBe(user.email);
    // The authenticator's count went up and the app stored it.
    const [credential] = await credentials();
    expect(credential!.signCount).toBeGreaterThan(0);
    expect(await storedCounter()).toBe(credential!.signCount);
  });

  await steps.run(
    "sign out, open the sign-in page: the email field's autofill offers the passkey and signs in",
    async () => {
      await signOut(page);
      await page.goto(`${stack.webUrl}/sign-in?autofill`);
      expect(await page.getAttribute('input[name="email"]', "autocomplete")).toBe("username webauthn");
      // No click: the authenticator picks the passkey the autofill request offers.
      await page.waitForURL("**/dashboard");
      expect(await page.getByTestId("user-email").textContent()).toBe(user.email);
    },
  );

  await steps.run("the same credential with its count set back: refused in words, no session", async () => {
    await signOut(page);
    const [credential] = await credentials();
    const stored = await storedCounter();
    await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential!.credentialId });
    await cdp.send("WebAuthn.addCredential", { authenticatorId, credential: { ...credential!, signCount: 0 } });
    await passkeyButton(page);
    await page.getByRole("alert").filter({ hasText: "This passkey could not be checked" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await storedCounter()).toBe(stored);
    // Its count past the stored one again: it signs in.
    await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential!.credentialId });
    await cdp.send("WebAuthn.addCredential", {
      authenticatorId,
      credential: { ...credential!, signCount: stored + 10 },
    });
    await passkeyButton(page);
    await page.waitForURL("**/dashboard");
  });

  await steps.run("remove it from the account page", async () => {
    await page.goto(`${stack.webUrl}/dashboard/account`);
    const section = page.getByRole("region", { name: "Passkeys" });
    await section.getByRole("button", { name: "Remove Work laptop" }).click();
    await section.getByRole("status").filter({ hasText: "Passkey “Work laptop” removed" }).waitFor();
    await section.getByTestId("no-passkeys").waitFor();
  });

  await steps.run("signed out, the removed passkey is refused in words", async () => {
    await signOut(page);
    // The authenticator still holds it; the app no longer knows it.
    expect(await credentials()).toHaveLength(1);
    await passkeyButton(page);
    await page.getByRole("alert").filter({ hasText: "This passkey is not registered here" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  await steps.run("the app at 127.0.0.1 (configured as localhost): no passkey ceremony, said in words", async () => {
    await passkeyButton(page, stack.webUrl.replace("localhost", "127.0.0.1"));
    await page.getByRole("alert").filter({ hasText: "Passkeys work only at this app's own address" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  expect(cspViolations).toEqual([]);
  await steps.finish();
});
