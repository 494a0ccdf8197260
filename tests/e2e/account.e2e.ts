import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { DOCUMENTS_FOLDER, PROFILE_FILE, type AccountExport } from "~/contract/account-export";
import { cookieOf, signUp } from "../../tooling/app-client";
import { unzip } from "../support/unzip";
import { linkIn } from "../support/smtp-inbox";
import { documentRow, launchChromium, Steps } from "./browser";
import { expectPageSecurityHeaders, watchCspViolations } from "./security-headers";
import { startStack, type Stack } from "./stack";

// The account's own pages in a real browser against the production build,
// with mail going over SMTP to the stack's inbox and verification required
// (production's default): signing up through the mailed link, a forgotten
// password, and signing other sessions out from the account page.

let stack: Stack;
let browser: Browser;
/** Each context's Content-Security-Policy violations (watchCspViolations). */
const violationLists: string[][] = [];
const cspViolations = () => violationLists.flat();

beforeAll(async () => {
  stack = await startStack("account", { webEnv: { REQUIRE_EMAIL_VERIFICATION: "true" } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A context of its own (a browser profile: its own cookies), its CSP violations collected with every other's. */
async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  violationLists.push(await watchCspViolations(context));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** A user who signed up over HTTP and opened the verification link outside any browser. */
async function verifiedUser(label: string) {
  const user = await signUp(stack.webUrl, label);
  const mail = await stack.inbox.waitFor(user.email, /Verify your address/);
  const opened = await fetch(linkIn(mail, `${stack.webUrl}/api/auth/verify-email?`), { redirect: "manual" });
  expect(opened.status).toBe(302);
  expect(opened.headers.get("location")).toBe("/verify-email");
  // The link signs its opener in.
  return { ...user, cookie: cookieOf(opened) };
}

async function signInInBrowser(page: Page, email: string, password: string): Promise<void> {
  expectPageSecurityHeaders(await page.goto(`${stack.webUrl}/sign-in`), stack.browserWorkerUrl);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL("**/dashboard");
}

/** Whether a session cookie still gets anything: session.me over tRPC. */
async function meStatus(cookie: string): Promise<number> {
  const response = await fetch(`${stack.webUrl}/api/trpc/session.me`, { headers: { cookie } });
  await response.arrayBuffer();
  return response.status;
}

test("sign up with verification required → the mailed link → a verified dashboard", async () => {
  const { page } = await newPage();
  const steps = new Steps(page, "account-sign-up");
  const user = {
    name: "Grace Browser",
    email: `grace-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };

  await steps.run("sign up: no session yet, the page says where the link went", async () => {
    expectPageSecurityHeaders(await page.goto(`${stack.webUrl}/sign-up`), stack.browserWorkerUrl);
    await page.fill('input[name="name"]', user.name);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await expect
      .poll(() => page.getByTestId("sign-up-mailed").textContent())
      .toContain(`We sent a link to ${user.email}; open it to finish.`);
    expect(new URL(page.url()).pathname).toBe("/sign-up");
  });

  await steps.run("signing in before the link: refused in words, with a new link on offer", async () => {
    const { page: other } = await newPage();
    await other.goto(`${stack.webUrl}/sign-in`);
    await other.fill('input[name="email"]', user.email);
    await other.fill('input[name="password"]', user.password);
    const [response] = await Promise.all([
      other.waitForResponse((res) => new URL(res.url()).pathname === "/api/auth/sign-in/email"),
      other.click('button[type="submit"]'),
    ]);
    expect(response.status()).toBe(403);
    await other.getByRole("alert").filter({ hasText: "not verified yet" }).waitFor();
    await other.getByRole("button", { name: "Send the link again" }).click();
    await expect
      .poll(() => other.getByRole("status").filter({ hasText: "We sent a new link" }).textContent())
      .toBe(`We sent a new link to ${user.email}: open it to finish.`);
    await stack.inbox.waitFor(user.email, /Verify your address/, { skip: 1 });
    // A second one inside the minute: the wait, in the server's words.
    await other.getByRole("button", { name: "Send the link again" }).click();
    await expect
      .poll(() => other.getByRole("alert").filter({ hasText: "Too many" }).textContent())
      .toMatch(/^Too many attempts\. Try again in \d+ seconds?\.$/);
    await other.context().close();
  });

  await steps.run("the link verifies the address and signs this browser in", async () => {
    const mail = await stack.inbox.waitFor(user.email, /Verify your address/);
    expect(mail.text).toContain(`Hello ${user.name},`);
    const response = await page.goto(linkIn(mail, `${stack.webUrl}/api/auth/verify-email?`));
    expectPageSecurityHeaders(response, stack.browserWorkerUrl);
    expect(new URL(page.url()).pathname).toBe("/verify-email");
    expect(await page.getByTestId("verify-email-words").textContent()).toBe(
      `Your address ${user.email} is verified, and you are signed in.`,
    );
  });

  await steps.run("the dashboard shows the user, without the unverified banner", async () => {
    await page.getByRole("link", { name: "Go to your dashboard" }).click();
    await page.waitForURL("**/dashboard");
    await expect.poll(() => page.getByTestId("user-email").textContent()).toBe(user.email);
    expect(await page.getByTestId("verify-banner").count()).toBe(0);
  });

  await steps.run("no page broke its Content-Security-Policy", () => {
    expect(cspViolations()).toEqual([]);
    return Promise.resolve();
  });
  await steps.finish();
  await page.context().close();
});

test("forgot password → the mailed link → a new password → sign in with it", async () => {
  const user = await verifiedUser("forgot");
  const newPassword = "a brand new passphrase";
  const { page } = await newPage();
  const steps = new Steps(page, "account-forgot-password");
  let link = "";

  await steps.run("sign-in page → Forgot password? → the same answer for any address", async () => {
    await page.goto(`${stack.webUrl}/sign-in`);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.waitForURL("**/forgot-password");
    await page.fill('input[name="email"]', user.email);
    await page.click('button[type="submit"]');
    await expect
      .poll(() => page.getByTestId("reset-requested").textContent())
      .toBe("If this address has an account, a link is on its way; it works for 1 hour.");
  });

  await steps.run("the link opens the new-password form", async () => {
    const mail = await stack.inbox.waitFor(user.email, /Reset your/);
    link = linkIn(mail, `${stack.webUrl}/api/auth/reset-password/`);
    expectPageSecurityHeaders(await page.goto(link), stack.browserWorkerUrl);
    expect(new URL(page.url()).pathname).toBe("/reset-password");
    expect(new URL(page.url()).searchParams.get("token")).toBeTruthy();
  });

  await steps.run("two different passwords: said in words, nothing sent", async () => {
    let sent = false;
    page.on("request", (request) => void (sent ||= request.url().includes("/api/auth/reset-password")));
    await page.fill('input[name="newPassword"]', newPassword);
    await page.fill('input[name="confirmPassword"]', `${newPassword}!`);
    await page.click('button[type="submit"]');
    await expect.poll(() => page.getByRole("alert").filter({ hasText: "not the same" }).count()).toBe(1);
    expect(sent).toBe(false);
  });

  await steps.run("the new password, twice: to sign-in, with the notice", async () => {
    await page.fill('input[name="confirmPassword"]', newPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL("**/sign-in?notice=password-reset");
    expect(await page.getByTestId("page-notice").textContent()).toBe(
      "Password changed; every other session was signed out. Sign in with the new one.",
    );
    // The session the verification link made elsewhere has ended.
    expect(await meStatus(user.cookie)).toBe(401);
  });

  await steps.run("signing in with the new password reaches the dashboard", async () => {
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', newPassword);
    await page.click('button[type="submit"]');
    await page.waitForURL("**/dashboard");
    await expect.poll(() => page.getByTestId("user-email").textContent()).toBe(user.email);
  });

  await steps.run("the used link is refused in words, with a way to ask again", async () => {
    await page.goto(link);
    expect(new URL(page.url()).searchParams.get("error")).toBe("INVALID_TOKEN");
    expect(await page.getByTestId("reset-link-refused").textContent()).toContain("This link does not work");
    expect(await page.getByRole("link", { name: "Ask for a new link" }).count()).toBe(1);
  });

  await steps.run("no page broke its Content-Security-Policy", () => {
    expect(cspViolations()).toEqual([]);
    return Promise.resolve();
  });
  await steps.finish();
  await page.context().close();
});

test("the account page lists both sessions; signing the other out sends it to sign-in on its next request", async () => {
  const user = await verifiedUser("sessions");
  const laptop = await newPage();
  const phone = await newPage();
  const steps = new Steps(laptop.page, "account-sessions");
  const sessions = laptop.page.getByTestId("session");

  await steps.run("signed in in two browsers", async () => {
    await signInInBrowser(laptop.page, user.email, user.password);
    await signInInBrowser(phone.page, user.email, user.password);
  });

  await steps.run("the account page lists this session and the other, in words", async () => {
    await laptop.page.getByRole("link", { name: "Account settings" }).click();
    await laptop.page.waitForURL("**/dashboard/account");
    expectPageSecurityHeaders(await laptop.page.reload(), stack.browserWorkerUrl);
    // Three: the verification link's session too (it signed its opener in).
    await expect.poll(() => sessions.count()).toBe(3);
    const current = laptop.page.locator('[data-testid="session"][data-current="true"]');
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain("This session");
    expect(await current.locator("strong").textContent()).toMatch(/^Chrome \d+ on Linux$/);
    // No proxy in front of this stack (TRUSTED_PROXY_HOPS=0): no address is recorded.
    expect(await current.locator("dd").first().textContent()).toBe("unknown");
  });

  await steps.run("signing the other browser out: the list follows, without a reload", async () => {
    await phone.page.goto(`${stack.webUrl}/dashboard/account`);
    await expect.poll(() => phone.page.getByTestId("session").count()).toBe(3);
    const phoneSession = await phone.page.locator('[data-testid="session"][data-current="true"] strong').textContent();
    expect(phoneSession).toMatch(/^Chrome/);
    // The phone's session: the newest, not the laptop's and not the link's (which has no user agent).
    const others = laptop.page.locator('[data-testid="session"][data-current="false"]');
    const phoneRow = others.filter({ hasText: "Chrome" });
    expect(await phoneRow.count()).toBe(1);
    await phoneRow.getByRole("button", { name: /^Sign out / }).click();
    await expect.poll(() => sessions.count()).toBe(2);
  });

  await steps.run("the other browser's next request lands on /sign-in", async () => {
    await phone.page.reload();
    await phone.page.waitForURL("**/sign-in");
  });

  await steps.run("Sign out all other sessions ends the rest", async () => {
    await laptop.page.getByRole("button", { name: "Sign out all other sessions" }).click();
    await expect
      .poll(() => laptop.page.getByRole("status").filter({ hasText: "other sessions are signed out" }).count())
      .toBe(1);
    await expect.poll(() => sessions.count()).toBe(1);
    expect(await meStatus(user.cookie)).toBe(401);
    // This one goes on.
    await laptop.page.reload();
    expect(new URL(laptop.page.url()).pathname).toBe("/dashboard/account");
  });

  await steps.run("no page broke its Content-Security-Policy", () => {
    expect(cspViolations()).toEqual([]);
    return Promise.resolve();
  });
  await steps.finish();
  await laptop.context.close();
  await phone.context.close();
});

test("name, address, password and deletion from the account page", async () => {
  const user = await verifiedUser("settings");
  const newEmail = `renamed-${randomBytes(4).toString("hex")}@example.com`;
  const { context, page } = await newPage();
  const steps = new Steps(page, "account-settings");
  const status = (text: string) => page.getByRole("status").filter({ hasText: text });

  await steps.run("a new name is saved and shown", async () => {
    await signInInBrowser(page, user.email, user.password);
    await page.goto(`${stack.webUrl}/dashboard/account`);
    await page.getByLabel("Name", { exact: true }).fill("Grace Renamed");
    await page.getByRole("button", { name: "Save" }).click();
    await status("Saved.").waitFor();
    await page.goto(`${stack.webUrl}/dashboard`);
    await expect.poll(() => page.getByTestId("user-name").textContent()).toBe("Grace Renamed");
  });

  await steps.run("a new address takes effect when the link mailed to it is opened", async () => {
    await page.goto(`${stack.webUrl}/dashboard/account`);
    await page.getByLabel("New address").fill(newEmail);
    await page.getByRole("button", { name: "Change address" }).click();
    await status("We sent a link").waitFor();
    expect(await status("We sent a link").textContent()).toBe(
      `We sent a link to ${newEmail}; the change takes effect when it is opened.`,
    );
    expect(await page.getByTestId("account-email").textContent()).toBe(user.email);
    await stack.inbox.waitFor(user.email, /is being changed/);
    const mail = await stack.inbox.waitFor(newEmail, /Confirm your new address/);
    await page.goto(linkIn(mail, `${stack.webUrl}/api/auth/verify-email?`));
    expect(new URL(page.url()).pathname).toBe("/dashboard/account");
    await expect.poll(() => page.getByTestId("account-email").textContent()).toBe(newEmail);
  });

  await steps.run("a wrong current password is refused in words; the right one changes it", async () => {
    const form = page.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill("not my password");
    await form.getByLabel("New password", { exact: true }).fill("another good passphrase");
    await form.getByLabel("New password again").fill("another good passphrase");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toBe("That is not your current password.");
    await form.getByLabel("Current password").fill(user.password);
    await form.getByRole("button", { name: "Change password" }).click();
    await status("Password changed").waitFor();
    expect(await status("Password changed").textContent()).toBe(
      "Password changed; your other sessions were signed out.",
    );
    // The verification link's session was one of them; this one goes on.
    expect(await meStatus(user.cookie)).toBe(401);
    await expect.poll(() => page.getByTestId("session").count()).toBe(1);
  });

  await steps.run(
    "export my data: a ZIP download with the profile and the uploaded original, byte for byte",
    async () => {
      const note = { name: "notes.md", mimeType: "text/markdown", buffer: Buffer.from("# Kept\n\nexported words\n") };
      await page.goto(`${stack.webUrl}/dashboard`);
      await page.getByTestId("upload-input").setInputFiles([note]);
      await documentRow(page, note.name).waitFor();
      await page.goto(`${stack.webUrl}/dashboard/account`);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download my data (.zip)" }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^account-export-\d{4}-\d{2}-\d{2}\.zip$/);
      const entries = await unzip(await readFile(await download.path()));
      const byName = new Map(entries.map((entry) => [entry.name, entry.bytes]));
      expect(Buffer.compare(byName.get(`${DOCUMENTS_FOLDER}${note.name}`)!, note.buffer)).toBe(0);
      const profile = JSON.parse(byName.get(PROFILE_FILE)!.toString("utf8")) as AccountExport;
      expect(profile).toMatchObject({ user: { name: "Grace Renamed", email: newEmail, emailVerified: true } });
      expect(profile.documents.map((document) => [document.name, document.file])).toEqual([
        [note.name, `${DOCUMENTS_FOLDER}${note.name}`],
      ]);
      await status("Your export was saved").waitFor();
    },
  );

  await steps.run("deleting the account takes its password, then signs out to the home page", async () => {
    const form = page.getByRole("form", { name: "Delete account" });
    await form.getByLabel("Your password").fill(user.password);
    await form.getByRole("button", { name: "Delete my account" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toBe("That is not your current password.");
    await form.getByLabel("Your password").fill("another good passphrase");
    await form.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(`${stack.webUrl}/?notice=account-deleted`);
    expect(await page.getByTestId("page-notice").textContent()).toBe(
      "Your account and everything in it were deleted, and you are signed out.",
    );
    await page.goto(`${stack.webUrl}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  await steps.run("no page broke its Content-Security-Policy", () => {
    expect(cspViolations()).toEqual([]);
    return Promise.resolve();
  });
  await steps.finish();
  await context.close();
});
