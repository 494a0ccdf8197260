import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { totpCodeAt as codeAt, TOTP_PERIOD_MS } from "../support/totp";
import { openWatchedPage, signUpInBrowser, Steps } from "./browser";
import { expectPageSecurityHeaders } from "./security-headers";
import { startStack, type Stack } from "./stack";

// Two-factor sign-in in a real browser against the production build: turned
// on from the account page (the key read off the page, as a person types it
// into an app, and the code computed from it here), then a sign-in that asks
// for the code after the password and lands on the dashboard.

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cspViolations: string[];

beforeAll(async () => {
  stack = await startStack("two-factor");
  ({ browser, context, page, cspViolations } = await openWatchedPage());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test("turn on two-factor sign-in in the settings → sign out → password and code → dashboard", async () => {
  const steps = new Steps(page, "two-factor");
  const user = {
    name: "Hedy Browser",
    email: `hedy-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };
  await signUpInBrowser(page, stack.webUrl, user);

  let backupCodes: string[] = [];
  const secret = await steps.run("set up: a QR code drawn in the page, the key as text, 10 backup codes", async () => {
    expectPageSecurityHeaders(await page.goto(`${stack.webUrl}/dashboard/account`), stack.browserWorkerUrl);
    const setupForm = page.getByRole("form", { name: "Set up two-factor sign-in" });
    await setupForm.getByLabel("Your password").fill(user.password);
    await setupForm.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    const key = (await page.getByTestId("totp-secret").textContent())!.trim();
    expect(key).toMatch(/^[A-Z2-7]+$/);
    await expect.poll(() => page.getByTestId("totp-qr").getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(await page.getByTestId("backup-codes").locator("li").count()).toBe(10);
    backupCodes = (await page.getByTestId("backup-codes").locator("li").allTextContents()).map((code) => code.trim());
    return key;
  });

  await steps.run("the backup codes download as a .txt file", async () => {
    const first = (await page.getByTestId("backup-codes").locator("li").first().textContent())!.trim();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download the codes (.txt)" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("backup-codes.txt");
    expect(await readFile(await download.path(), "utf8")).toContain(first);
  });

  await steps.run("a code from the app turns it on", async () => {
    const confirmForm = page.getByRole("form", { name: "Confirm two-factor sign-in" });
    await confirmForm.getByLabel("Code from the app").fill(codeAt(secret, Date.now()));
    await confirmForm.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => page.getByTestId("two-factor-notice").textContent()).toContain("Two-factor sign-in is on");
    await page.getByRole("form", { name: "Turn off two-factor sign-in" }).waitFor();
  });

  await steps.run("sign out; the password alone leads to the code page, not the dashboard", async () => {
    await page.goto(`${stack.webUrl}/dashboard`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.waitForURL("**/sign-in/two-factor");
    // Nothing of the account yet: the dashboard sends this browser back to sign in.
    const peek = await context.newPage();
    await peek.goto(`${stack.webUrl}/dashboard`);
    await peek.waitForURL("**/sign-in");
    await peek.close();
  });

  await steps.run("the code signs in and lands on the dashboard", async () => {
    // The setup's confirmation used this step's code: the app's next one is accepted too.
    await page.getByLabel("Code from your authenticator app").fill(codeAt(secret, Date.now() + TOTP_PERIOD_MS));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/dashboard");
    await expect.poll(() => page.getByText(user.email).count()).toBeGreaterThan(0);
  });

  expect(cspViolations).toEqual([]);
  // Neither process printed the key or a backup code: the web tier handled
  // them, and the worker saw the session that resulted.
  for (const output of [await stack.web.logs(), await stack.worker.logs()]) {
    for (const value of [secret, ...backupCodes]) expect(output).not.toContain(value);
  }
  await steps.finish();
});
