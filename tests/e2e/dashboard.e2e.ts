import { randomBytes } from "node:crypto";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { signUp } from "../../tooling/app-client";
import { queryOnce } from "../support/test-database";
import {
  callWorkerPanelsAgain,
  countNavigations,
  expectWorkerPanelsShow,
  expectWorkerPanelsUnavailable,
  openWatchedPage,
  signUpInBrowser,
  Steps,
} from "./browser";
import { expectPageSecurityHeaders } from "./security-headers";
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
let cspViolations: string[];

beforeAll(async () => {
  stack = await startStack("dashboard");
  ({ browser, context, page, cspViolations } = await openWatchedPage());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test("sign up → both worker paths → worker down and back → sign out", async () => {
  const steps = new Steps(page, "dashboard");
  const user = {
    name: "Ada Browser",
    email: `ada-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };
  const card = (id: string) => page.getByTestId(id);

  // Every worker token the browser sends straight to the worker.
  const bearerTokens = new Set<string>();
  page.on("request", (request) => {
    if (!request.url().startsWith(stack.browserWorkerUrl)) return;
    const token = BEARER.exec(request.headers().authorization ?? "")?.[1];
    if (token) bearerTokens.add(token);
  });

  // Every answer of the web tier's tRPC API is one user's: never cached.
  const trpcCacheControl = new Set<string>();
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/api/trpc/"))
      trpcCacheControl.add(response.headers()["cache-control"] ?? "(none)");
  });

  await steps.run("sign up", async () => {
    expectPageSecurityHeaders(await signUpInBrowser(page, stack.webUrl, user), stack.browserWorkerUrl);
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

  await steps.run("text statistics through the web tier; bad input refused with the worker's words", async () => {
    const form = page.getByRole("region", { name: "Text statistics" });
    await form.getByRole("button", { name: "Analyse" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toBe("Paste some text to analyse.");
    await form.locator("textarea").fill("Apples and pears. Apples!");
    await form.getByRole("button", { name: "Analyse" }).click();
    await expect.poll(() => card("text-stats-words").textContent()).toBe("4");
    expect(await form.getByRole("alert").count()).toBe(0);
  });

  await steps.run(
    "every document carries the same headers, with a nonce of its own on each of its scripts",
    async () => {
      const documents = [];
      for (const [path, status] of [
        ["/dashboard", 200],
        ["/dashboard", 200],
        ["/no-such-page", 404],
      ] as const) {
        const response = await page.request.get(`${stack.webUrl}${path}`, { maxRedirects: 0 });
        expect(response.status(), path).toBe(status);
        expect(response.headers()["x-frame-options"]).toBe("DENY");
        const nonce = /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];
        expect(nonce, `${path}: a nonce`).toBeDefined();
        // Next.js put the nonce on every script it rendered (the not-found page too: no page is prerendered without one).
        const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
        expect(scripts.length).toBeGreaterThan(0);
        expect(scripts.filter((tag) => !tag.includes(`nonce="${nonce}"`))).toEqual([]);
        documents.push(nonce);
      }
      expect(new Set(documents).size).toBe(3);
    },
  );

  const navigations = countNavigations(page);

  await steps.run("worker stopped: readable errors, the page still works", async () => {
    expect(await stack.worker.stop()).toBe(0);
    await callWorkerPanelsAgain(page);
    await expectWorkerPanelsUnavailable(page);
    // The server's WORKER_URL is an internal address: never shown. The browser's own URL may be.
    expect(await card("via-web-error").textContent()).not.toContain(new URL(stack.workerUrl).host);
    expect(await card("direct-error").textContent()).toContain(stack.browserWorkerUrl);
    // The web tier itself is unaffected: the profile is still there, and the
    // same dashboard still renders for this session.
    expect(await card("user-email").textContent()).toBe(user.email);
    const dashboard = await page.request.get(`${stack.webUrl}/dashboard`, { maxRedirects: 0 });
    expect(dashboard.status()).toBe(200);
  });

  await steps.run("worker restarted: both panels recover without a reload", async () => {
    await stack.worker.start();
    await expectWorkerPanelsShow(page, user.email, 15_000);
    expect(navigations()).toBe(0);
  });

  await steps.run("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
  });

  await steps.run("no tRPC answer was cacheable, and no page broke its Content-Security-Policy", () => {
    expect([...trpcCacheControl]).toEqual(["no-store"]);
    expect(cspViolations).toEqual([]);
    return Promise.resolve();
  });

  await steps.run("/dashboard redirects to /sign-in", async () => {
    await page.goto(`${stack.webUrl}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });

  await steps.run("the browser holds no token", async () => {
    const cookies = await context.cookies();
    expect(cookies.filter((cookie) => cookie.name.includes("session"))).toEqual([]);
    const stored = await page.evaluate(async () => ({
      local: JSON.stringify(Object.fromEntries(Object.entries(localStorage))),
      session: JSON.stringify(Object.fromEntries(Object.entries(sessionStorage))),
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

test("the production API answers hostile input with a 4xx, no stack, and holds its batch and body caps", async () => {
  const steps = new Steps(page, "api-limits");
  // A session of its own, outside the browser: the browser's tests go on signed out.
  const { cookie } = await signUp(stack.webUrl, "limits");
  const call = async (
    procedures: string,
    init: Omit<RequestInit, "headers"> & { duplex?: "half"; headers?: Record<string, string> } = {},
  ) => {
    const started = performance.now();
    const response = await fetch(`${stack.webUrl}/api/trpc/${procedures}`, {
      ...init,
      headers: { cookie, origin: stack.webUrl, "content-type": "application/json", ...init.headers },
    });
    const text = await response.text();
    return { status: response.status, text, ms: Math.round(performance.now() - started) };
  };

  await steps.run("100,000-deep input: 400", async () => {
    const deep = "[".repeat(100_000) + '"x"' + "]".repeat(100_000);
    const answer = await call("worker.textStats", { method: "POST", body: `{"json":{"text":${deep}}}` });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("nested too deeply");
    expect(answer.text).not.toContain('"stack"');
  });

  await steps.run("malformed superjson meta: 400, and nothing at error level in the log", async () => {
    const answer = await call("worker.textStats", {
      method: "POST",
      body: JSON.stringify({ json: { text: "hi" }, meta: { values: { text: ["bigint"] } } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('"stack"');
    const errorLines = (await stack.web.logs()).split("\n").filter((line) => line.includes('"level":50'));
    expect(errorLines).toEqual([]);
  });

  await steps.run("a batch over the cap: 400", async () => {
    const answer = await call(`${Array.from({ length: 21 }, () => "session.me").join(",")}?batch=1`);
    expect(answer.status).toBe(400);
  });

  await steps.run("10 MB, declared or chunked: 413", async () => {
    const body = "x".repeat(10 * 1024 * 1024);
    const declared = await call("worker.textStats", { method: "POST", body });
    const chunked = await call("worker.textStats", { method: "POST", body: new Blob([body]).stream(), duplex: "half" });
    expect([declared.status, chunked.status]).toEqual([413, 413]);
    console.log(`e2e: 10 MB body refused with 413 in ${declared.ms} ms (declared length), ${chunked.ms} ms (chunked)`);
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
  for (let attempt = 1; attempt <= 6; attempt++) {
    messages.push(
      await steps.run(`wrong password, attempt ${attempt}`, async () => {
        await page.fill('input[name="email"]', "nobody@example.com");
        await page.fill('input[name="password"]', `wrong password ${attempt}`);
        const [response] = await Promise.all([
          page.waitForResponse((res) => new URL(res.url()).pathname === "/api/auth/sign-in/email"),
          page.click('button[type="submit"]'),
        ]);
        expect(response.status()).toBe(attempt < 6 ? 401 : 429);
        // Next.js's route announcer is an alert too: pick the form's.
        const alert = page.getByRole("alert").filter({ hasText: attempt < 6 ? "Invalid" : "Too many" });
        await alert.waitFor();
        return (await alert.textContent()) ?? "";
      }),
    );
  }
  // 5 password checks per account per minute (src/server/auth-rate-limit/rules.ts).
  expect(messages.slice(0, 5)).toEqual(Array(5).fill("Invalid email or password"));
  // The wait is what is left of the account's one-minute window.
  const wait = Number(/^Too many attempts\. Try again in (\d+) seconds\.$/.exec(messages[5] ?? "")?.[1]);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(60);
  await steps.finish();
});
