import { getSessionCookie } from "better-auth/cookies";
import Link from "next/link";
import { headers } from "next/headers";

export const metadata = { title: "Cookie check · Typed Worker Stack", robots: { index: false } };

/**
 * For someone who signs in and lands back on the sign-in page: does this
 * browser send the session cookie at all (blocked cookies, a privacy
 * extension, the app opened on another host name than BETTER_AUTH_URL)?
 * It reads that one cookie and nothing else — no database, no session
 * lookup, never the cookie's value — which also makes it the cheapest
 * dynamic page of this build, the reference `npm run bench` prices the
 * dashboard against. Linked from nowhere: support sends people here.
 */
export default async function CookieCheckPage() {
  const sent = getSessionCookie(await headers()) !== null;
  return (
    <main>
      <div className="card">
        <h1>Cookie check</h1>
        <p data-testid="cookie-check">
          {sent
            ? "This browser sends a session cookie. If the dashboard still asks you to sign in, the session has ended: sign in again."
            : "This browser sent no session cookie. Sign in; if you land back here, allow cookies for this site."}
        </p>
        <div className="actions">
          <Link className="button" href="/sign-in">
            Sign in
          </Link>
        </div>
      </div>
    </main>
  );
}
