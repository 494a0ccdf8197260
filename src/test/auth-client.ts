import { randomBytes } from "node:crypto";

import { auth } from "~/server/auth";

const origin = "http://localhost:3000";

/**
 * Talks to Better Auth's HTTP handler the way the browser does (JSON body,
 * Origin header, cookies), without starting a server. Each instance is one
 * browser: its own cookie jar and client IP, so rate-limit buckets never
 * leak between tests.
 */
export class TestBrowser {
  private readonly jar = new Map<string, string>();
  private readonly ip = `10.${[1, 2, 3].map(() => randomBytes(1)[0]!).join(".")}`;

  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  headers(): Headers {
    const headers = new Headers({ origin, "x-forwarded-for": this.ip });
    if (this.jar.size > 0) headers.set("cookie", this.cookie);
    return headers;
  }

  async post(path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const headers = this.headers();
    headers.set("content-type", "application/json");
    const response = await auth.handler(
      new Request(`${origin}/api/auth${path}`, { method: "POST", headers, body: JSON.stringify(body) }),
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const [name = "", value = ""] = pair.split("=", 2).map((part) => part.trim());
      const expired = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(6).toString("hex")}@example.test`;
}
