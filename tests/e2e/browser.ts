import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";

import { chromium, type Browser, type BrowserContext, type Page, type Response } from "playwright-core";
import { expect } from "vitest";

import { errorMessage } from "~/contract/error-message";
import { watchCspViolations } from "./security-headers";
import { E2E_OUTPUT } from "./stack";

// Debian's Chromium, never a downloaded browser (this project's machines
// cannot download one, and CI installs this one with apt).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (\`apt-get install -y chromium\`) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A browser as the dashboard suites drive it: one context whose CSP violations are collected, one page in it. */
export interface WatchedPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every Content-Security-Policy violation in the context's pages (watchCspViolations). */
  cspViolations: string[];
}

export async function openWatchedPage(): Promise<WatchedPage> {
  const browser = await launchChromium();
  const context = await browser.newContext();
  const cspViolations = await watchCspViolations(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { browser, context, page, cspViolations };
}

/**
 * Runs a browser test as named steps with a screenshot after each, so a
 * failure shows the way there as well as where it broke. The screenshots are
 * kept in test-results/e2e/<name>-<time>/ only when a step fails.
 */
export class Steps {
  private count = 0;
  private failed = false;
  readonly dir: string;

  constructor(
    private readonly page: Page,
    name: string,
  ) {
    this.dir = path.join(E2E_OUTPUT, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  }

  async run<T>(name: string, action: () => Promise<T>): Promise<T> {
    const file = `${String(++this.count).padStart(2, "0")}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
    await mkdir(this.dir, { recursive: true });
    try {
      const result = await action();
      await this.page.screenshot({ path: path.join(this.dir, `${file}.png`), fullPage: true });
      return result;
    } catch (error) {
      this.failed = true;
      await this.page
        .screenshot({ path: path.join(this.dir, `${file}-FAILED.png`), fullPage: true })
        .catch(() => undefined);
      const message = errorMessage(error);
      throw new Error(`step "${name}" failed (screenshots in ${path.relative(process.cwd(), this.dir)}): ${message}`, {
        cause: error,
      });
    }
  }

  /** Removes the screenshots of a run that passed. */
  async finish(): Promise<void> {
    if (!this.failed) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Signs up on the app's sign-up form and waits for the dashboard; returns the form page's response. */
export async function signUpInBrowser(
  page: Page,
  webUrl: string,
  user: { name: string; email: string; password: string },
  {
    verificationLink,
  }: {
    /**
     * Where verification is required: the link mailed to the address. The
     * page then says a link was sent; opening it signs the user in.
     */
    verificationLink?: (email: string) => Promise<string>;
  } = {},
): Promise<Response | null> {
  const response = await page.goto(`${webUrl}/sign-up`);
  await page.fill('input[name="name"]', user.name);
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await page.click('button[type="submit"]');
  if (verificationLink) {
    await page.getByText(`We sent a link to ${user.email}`).waitFor();
    await page.goto(await verificationLink(user.email));
    await page.waitForURL("**/verify-email");
    await page.goto(`${webUrl}/dashboard`);
  }
  await page.waitForURL("**/dashboard");
  return response;
}

/**
 * Counts the documents the page loads from now on (a reload, or leaving the
 * page); the function it returns reads the count (0: nothing reloaded or
 * left the page). A same-document history change is not one: Next.js
 * replaces the history entry of a page loaded in full once it has hydrated,
 * which "framenavigated" counted.
 */
export function countNavigations(page: Page): () => number {
  let loads = 0;
  page.on("load", () => loads++);
  return () => loads;
}

/** Clicks "Call again" on both worker panels of the dashboard: through the web tier, then straight from the browser. */
export async function callWorkerPanelsAgain(page: Page): Promise<void> {
  await page.getByTestId("via-web").getByRole("button", { name: "Call again" }).click();
  await page.getByTestId("direct").getByRole("button", { name: "Call again" }).click();
}

/** Waits until both worker panels say the worker is unavailable (expect.poll's default timeout unless given). */
export async function expectWorkerPanelsUnavailable(page: Page, timeout?: number): Promise<void> {
  const options = timeout === undefined ? undefined : { timeout };
  await expect
    .poll(() => page.getByTestId("via-web-error").textContent(), options)
    .toContain("The worker is unavailable");
  await expect
    .poll(() => page.getByTestId("direct-error").textContent(), options)
    .toContain("The worker is unavailable");
}

/** Waits until both worker panels show the worker's answer for `email` (expect.poll's default timeout unless given). */
export async function expectWorkerPanelsShow(page: Page, email: string, timeout?: number): Promise<void> {
  const options = timeout === undefined ? undefined : { timeout };
  await expect.poll(() => page.getByTestId("via-web-email").textContent(), options).toBe(email);
  await expect.poll(() => page.getByTestId("direct-email").textContent(), options).toBe(email);
}

/** The dashboard's Documents row for the document named `name`. */
export function documentRow(page: Page, name: string) {
  return page.locator(`[data-testid="document-row"][data-name="${name.replace(/["\\]/g, "\\$&")}"]`);
}

/** Chromium prints `html` as a PDF: real text on a real page, as a user's PDF would have. */
export async function printPdf(context: BrowserContext, html: string): Promise<Buffer> {
  const printer = await context.newPage();
  try {
    await printer.setContent(`<!doctype html><html><body>${html}</body></html>`);
    return await printer.pdf({ format: "A4" });
  } finally {
    await printer.close();
  }
}
