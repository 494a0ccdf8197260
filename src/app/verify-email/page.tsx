import Link from "next/link";

import { linkErrorInWords } from "~/app/_components/link-errors";
import { ResendVerification } from "~/app/_components/resend-verification";
import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
import { VERIFY_LINK_LIFETIME } from "~/server/account/link-lifetimes";
import { lifetimeInWords } from "~/server/mail/messages";
import { getSession } from "~/server/session";

export const metadata = { title: "Verify your address · Typed Worker Stack" };

/**
 * Where a verification link lands (VERIFIED_PAGE), through Better Auth's
 * /verify-email: plain when the address is verified (which signs the user
 * in), with ?error=CODE when the link did not work. Visited by a signed-in
 * user whose address waits, it offers a new link.
 */
export default async function VerifyEmailPage({ searchParams }: SearchParamsProps) {
  const error = singleParam((await searchParams).error);
  const session = await getSession();
  const user = session?.user;

  let title: string;
  let words: string;
  if (error !== undefined) {
    title = "This link did not work";
    words = linkErrorInWords(error, lifetimeInWords(VERIFY_LINK_LIFETIME));
  } else if (user?.emailVerified) {
    title = "Address verified";
    words = `Your address ${user.email} is verified, and you are signed in.`;
  } else if (user) {
    title = "Verify your address";
    words = `Your address ${user.email} is not verified yet: open the link we mailed to it.`;
  } else {
    // A link opened again in a browser that is not signed in: verified before, no session made.
    title = "Address verified";
    words = "Your address is verified. Sign in to continue.";
  }

  return (
    <main>
      <div className="card stack" data-testid="verify-email">
        <h1>{title}</h1>
        <p data-testid="verify-email-words">{words}</p>
        {user && !user.emailVerified && <ResendVerification email={user.email} />}
        <div className="actions">
          {user ? (
            <Link className="button" href="/dashboard">
              Go to your dashboard
            </Link>
          ) : (
            <Link className="button" href="/sign-in">
              Sign in
            </Link>
          )}
        </div>
      </div>
    </main>
  );
}
