import { randomBytes } from "node:crypto";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { queryOnce } from "../support/test-database";
import { launchChromium, Steps } from "./browser";
import { startStack, type Stack } from "./stack";

// The whole path a user takes, in a real browser against the production build:
// sign up, see the worker answer through the web tier and directly, lose the
// worker and get it back, sign out.

const BEARER = /^Bearer (.+)$/;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  stack = await startStack("dashboard");
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test("sign up → both worker paths → worker down and back → sign out", async () => {
  const steps = new Steps(page, "dashboard");
  const user = { name: "Ada Browser", email: `ada-${randomBytes(4).toString("hex")}@example.com`, password: "correct horse battery" };
  const card = (id: string) => page.getByTestId(id);

  // Every worker token the browser sends straight to the worker.
  const bearerTokens = new Set<string>();
  page.on("request", (request) => {
    if (!request.url().startsWith(stack.browserWorkerUrl)) return;
    const token = BEARER.exec(request.headers().authorization ?? "")?.[1];
    if (token) bearerTokens.add(token);
  });

  await steps.run("sign up", async () => {
    await page.goto(`${stack.webUrl}/sign-up`);
    await page.fill('input[name="name"]', user.name);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.waitForURL("**/dashboard");
  });

  await steps.run("dashboard shows the user", async () => {
    await expect.poll(() => card("user-name").textContent()).toBe(user.name);
    expect(await card("user-email").textContent()).toBe(user.email);
  });

  const userId = await userIdOf(stack.database.url, user.email);

  await steps.run("worker through the web tier shows the same user", async () => {
    await expect.poll(() => card("via-web-email").textContent()).toBe(user.email);
    expect(await card("via-web-user-id").textContent()).toBe(userId);
    expect(await card("via-web-session-id").textContent()).toContain("✓");
  });

  await steps.run("worker straight from the browser shows the same user", async () => {
    await expect.poll(() => card("direct-email").textContent()).toBe(user.email);
    expect(await card("direct-user-id").textContent()).toBe(userId);
    expect(await card("direct-session-id").textContent()).toContain("✓");
    expect(bearerTokens.size).toBe(1);
    expect([...bearerTokens][0]).toMatch(JWT);
  });

  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });

  await steps.run("worker stopped: readable errors, the page still works", async () => {
    expect(await stack.worker.stop()).toBe(0);
    await card("via-web").getByRole("button", { name: "Call again" }).click();
    await card("direct").getByRole("button", { name: "Call again" }).click();
    await expect.poll(() => card("via-web-error").textContent()).toContain("Worker unavailable");
    await expect.poll(() => card("direct-error").textContent()).toContain("Worker unavailable");
    // The web tier itself is unaffected: the profile is still there, and the
    // same dashboard still renders for this session.
    expect(await card("user-email").textContent()).toBe(user.email);
    const dashboard = await page.request.get(`${stack.webUrl}/dashboard`, { maxRedirects: 0 });
    expect(dashboard.status()).toBe(200);
  });

  await steps.run("worker restarted: both panels recover without a reload", async () => {
    await stack.worker.start();
    await expect.poll(() => card("via-web-email").textContent(), { timeout: 15_000 }).toBe(user.email);
    await expect.poll(() => card("direct-email").textContent(), { timeout: 15_000 }).toBe(user.email);
    expect(navigations).toBe(0);
  });

  await steps.run("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
  });

  await steps.run("/dashboard redirects to /sign-in", async () => {
    await page.goto(`${stack.webUrl}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  await steps.run("the browser holds no token", async () => {
    const cookies = await context.cookies();
    expect(cookies.filter((cookie) => cookie.name.includes("session"))).toEqual([]);
    const stored = await page.evaluate(async () => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      indexedDb: (await indexedDB.databases()).map((db) => db.name),
      cacheStorage: await caches.keys(),
    }));
    expect(stored.indexedDb).toEqual([]);
    expect(stored.cacheStorage).toEqual([]);
    const everything = JSON.stringify([cookies, stored]);
    expect(everything).not.toMatch(JWT);
    for (const token of bearerTokens) expect(everything).not.toContain(token);
  });

  await steps.finish();
});

async function userIdOf(databaseUrl: string, email: string): Promise<string> {
  const rows = await queryOnce<{ id: string }>(databaseUrl, 'SELECT id FROM "user" WHERE email = $1', [email]);
  expect(rows).toHaveLength(1);
  return rows[0]!.id;
}

test("repeated wrong passwords: the sign-in form says how long to wait", async () => {
  const steps = new Steps(page, "sign-in-limit");
  await page.goto(`${stack.webUrl}/sign-in`);
  const messages: string[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    messages.push(
      await steps.run(`wrong password, attempt ${attempt}`, async () => {
        await page.fill('input[name="email"]', "nobody@example.com");
        await page.fill('input[name="password"]', `wrong password ${attempt}`);
        const [response] = await Promise.all([
          page.waitForResponse((res) => new URL(res.url()).pathname === "/api/auth/sign-in/email"),
          page.click('button[type="submit"]'),
        ]);
        expect(response.status()).toBe(attempt < 4 ? 401 : 429);
        // Next.js's route announcer is an alert too: pick the form's.
        const alert = page.getByRole("alert").filter({ hasText: attempt < 4 ? "Invalid" : "Too many" });
        await alert.waitFor();
        return (await alert.textContent()) ?? "";
      }),
    );
  }
  expect(messages.slice(0, 3)).toEqual(Array(3).fill("Invalid email or password"));
  expect(messages[3]).toMatch(/^Too many attempts\. Try again in (10|9) seconds\.$/);
  await steps.finish();
});
