import { parseSetCookie } from "./test-browser";

/**
 * The provider's side of a browser (tooling/oidc-provider.ts): its own cookie
 * jar, redirects followed by hand, and its login and consent pages filled in
 * and submitted as a person would. It stops at the first redirect that leaves
 * the provider (to the app's callback) and hands that URL back.
 */
export class ProviderBrowser {
  private readonly jar = new Map<string, string>();

  constructor(private readonly providerUrl: string) {}

  /**
   * From the authorization URL the app made to the redirect back to the app:
   * the login page (as `login`, any password), then the consent page when the
   * provider shows one. Returns the URL the provider sends the browser to.
   */
  async signIn(authorizationUrl: string, login: string): Promise<URL> {
    let next: { url: string; form?: URLSearchParams } = { url: authorizationUrl };
    for (let step = 0; step < 12; step++) {
      const response = await this.fetch(next.url, next.form);
      const location = response.headers.get("location");
      if (location) {
        const target = new URL(location, next.url);
        if (target.origin !== new URL(this.providerUrl).origin) return target;
        next = { url: target.href };
        continue;
      }
      const page = await response.text();
      if (response.status !== 200)
        throw new Error(`provider answered ${String(response.status)}: ${page.slice(0, 300)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page)?.[1];
      if (!action || !prompt) throw new Error(`provider page without a login or consent form: ${page.slice(0, 300)}`);
      const form = new URLSearchParams({ prompt });
      if (prompt === "login") {
        form.set("login", login);
        form.set("password", "any password");
      }
      next = { url: new URL(action.replaceAll("&amp;", "&"), next.url).href, form };
    }
    throw new Error("the provider kept redirecting");
  }

  private async fetch(url: string, form?: URLSearchParams): Promise<Response> {
    const headers = new Headers();
    if (this.jar.size > 0) headers.set("cookie", [...this.jar].map(([name, value]) => `${name}=${value}`).join("; "));
    if (form) headers.set("content-type", "application/x-www-form-urlencoded");
    const response = await fetch(url, { method: form ? "POST" : "GET", headers, body: form, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const { name, value, attributes } = parseSetCookie(line);
      if (value === "" || attributes["max-age"] === "0" || attributes.expires?.toString().includes("1970"))
        this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }
}
