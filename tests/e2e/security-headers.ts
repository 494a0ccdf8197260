import type { BrowserContext, Response } from "playwright-core";
import { expect } from "vitest";

/**
 * Every Content-Security-Policy violation in `context`'s pages, as text:
 * Chromium's console lines ("Refused to load…", "Refused to execute…") and
 * the `securitypolicyviolation` events pages see. Playwright's init script
 * runs outside the page's policy, so the listener itself is never refused.
 */
export async function watchCspViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding("__reportCspViolation", (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation: (text: string) => void }).__reportCspViolation;
      report(
        `${event.violatedDirective} refused ${event.blockedURI || "inline"} in ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  context.on("console", (message) => {
    if (/Refused to|Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/**
 * The headers every page must carry: a nonce-based policy that lets the page
 * reach itself and `browserWorkerUrl`'s origin only, no framing, no sniffing,
 * no referrer to other origins, no framework banner; no HSTS over http.
 */
export function expectPageSecurityHeaders(response: Response | null, browserWorkerUrl: string): string {
  expect(response, "a document response").not.toBeNull();
  const headers = response!.headers();
  const policy = headers["content-security-policy"] ?? "";
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1];
  expect(nonce, `a nonce in ${policy}`).toBeDefined();
  expect(policy.split("; ")).toEqual(
    expect.arrayContaining([
      `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
      `connect-src 'self' ${new URL(browserWorkerUrl).origin}`,
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ]),
  );
  expect(headers).toMatchObject({
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
  });
  expect(headers["x-powered-by"]).toBeUndefined();
  expect(headers["strict-transport-security"]).toBeUndefined();
  return nonce!;
}
