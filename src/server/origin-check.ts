/**
 * Refuses cross-site requests to an endpoint that acts on the caller's
 * cookies. tRPC has no such check of its own, and SameSite=Lax still sends
 * the session cookie on a cross-site top-level GET, so a query reached by a
 * link or a form on another site would run as the signed-in user.
 *
 * A browser names the page that made the request in `Origin` (on every POST,
 * and on CORS GETs) and says how it relates to the target in `Sec-Fetch-Site`
 * (on everything, where supported). Requests with neither come from outside a
 * browser (curl, server to server): they carry only the cookies their sender
 * already holds, so there is nothing to forge and they pass.
 */

export type CrossSiteReason = "cross_origin" | "null_origin" | "cross_site";

export interface CrossSiteErrorBody {
  error: { code: "FORBIDDEN"; reason: CrossSiteReason; message: string };
}

/**
 * A 403 for a cross-site request, or null when `request` may proceed.
 * `allowedOrigins` are URLs (only their origins count), e.g. BETTER_AUTH_URL.
 */
export function rejectCrossSite(request: Request, allowedOrigins: readonly string[]): Response | null {
  const allowed = new Set(allowedOrigins.map((url) => new URL(url).origin));
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site")?.trim().toLowerCase();

  if (origin !== null) {
    // "null" is the opaque origin of sandboxed frames, data: URLs and some
    // redirects: it names no page we could trust.
    if (origin === "null") {
      return refuse("null_origin", 'This API does not accept requests from an opaque ("null") origin.');
    }
    // Browsers send the serialized origin (what URL#origin gives): compared
    // as is, so a value with a path or different case is not waved through.
    if (!allowed.has(origin)) {
      return refuse(
        "cross_origin",
        `This API only accepts requests from ${[...allowed].join(", ")}, not from ${origin}.`,
      );
    }
    return null;
  }
  // No Origin: a browser still says where a navigation or subresource request
  // came from. "same-site" counts too: a sibling subdomain is another app.
  if (site === "cross-site" || site === "same-site") {
    return refuse("cross_site", `This API does not accept ${site} requests that carry no allowed Origin.`);
  }
  return null;
}

function refuse(reason: CrossSiteReason, message: string): Response {
  const body: CrossSiteErrorBody = { error: { code: "FORBIDDEN", reason, message } };
  return Response.json(body, { status: 403 });
}
