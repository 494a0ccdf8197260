import { describe, expect, it } from "vitest";

import { getScriptNonceFromHeader } from "next/dist/server/app-render/get-script-nonce-from-header";

import {
  contentSecurityPolicy,
  newNonce,
  STRICT_TRANSPORT_SECURITY,
  transportSecurityHeaders,
} from "./security-headers";

const base = {
  nonce: "bm9uY2Utbm9uY2Utbm9uY2U=",
  workerUrl: "https://worker.example.com:8443/some/path",
  https: false,
  dev: false,
};

describe("contentSecurityPolicy", () => {
  it("allows scripts by nonce only, the worker's origin for connections, and no framing, plugins or foreign <base>/forms", () => {
    expect(contentSecurityPolicy(base).split("; ")).toEqual([
      "default-src 'self'",
      `script-src 'self' 'nonce-${base.nonce}' 'strict-dynamic'`,
      `style-src 'self' 'nonce-${base.nonce}'`,
      "img-src 'self' blob: data:",
      "font-src 'self'",
      "connect-src 'self' https://worker.example.com:8443",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
  });

  it("is read by Next.js: the nonce it puts on its scripts is this one", () => {
    const nonce = newNonce();
    expect(getScriptNonceFromHeader(contentSecurityPolicy({ ...base, nonce }))).toBe(nonce);
  });

  it("lets React's development build evaluate code, and Next.js's dev tools inline styles, under next dev only", () => {
    const dev = contentSecurityPolicy({ ...base, dev: true }).split("; ");
    expect(dev).toContain(`script-src 'self' 'nonce-${base.nonce}' 'strict-dynamic' 'unsafe-eval'`);
    expect(dev).toContain("style-src 'self' 'unsafe-inline'");
    expect(contentSecurityPolicy(base)).not.toMatch(/unsafe-(eval|inline)/);
  });

  it("asks for subresources over https when the page is served over https", () => {
    expect(contentSecurityPolicy({ ...base, https: true }).split("; ")).toContain("upgrade-insecure-requests");
  });
});

describe("newNonce", () => {
  it("is 128 random bits, base64, new every time", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("transportSecurityHeaders", () => {
  const hsts = { "strict-transport-security": STRICT_TRANSPORT_SECURITY };
  const request = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });

  it("is sent when the request came over https, directly or through a TLS-terminating proxy", () => {
    expect(transportSecurityHeaders(request("https://app.example.com/"), "http://localhost:3000")).toEqual(hsts);
    expect(
      transportSecurityHeaders(
        request("http://10.0.0.5:3000/", { "x-forwarded-proto": "https" }),
        "http://localhost:3000",
      ),
    ).toEqual(hsts);
    expect(
      transportSecurityHeaders(
        request("http://10.0.0.5:3000/", { "x-forwarded-proto": "https, http" }),
        "http://localhost:3000",
      ),
    ).toEqual(hsts);
  });

  it("is sent when the app's URL is https, whatever the hop to this process was", () => {
    expect(transportSecurityHeaders(request("http://10.0.0.5:3000/"), "https://app.example.com")).toEqual(hsts);
  });

  it("is not sent on plain http", () => {
    expect(transportSecurityHeaders(request("http://localhost:3000/"), "http://localhost:3000")).toEqual({});
    expect(
      transportSecurityHeaders(
        request("http://localhost:3000/", { "x-forwarded-proto": "http" }),
        "http://localhost:3000",
      ),
    ).toEqual({});
  });
});
