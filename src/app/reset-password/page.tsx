import Link from "next/link";

import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
import { RESET_LINK_LIFETIME } from "~/server/account/link-lifetimes";
import { lifetimeInWords } from "~/server/mail/messages";
import { ResetPasswordForm } from "./reset-password-form";

export const metadata = { title: "Choose a new password · Typed Worker Stack" };

/**
 * Where a reset link lands, through Better Auth's /reset-password/<token>:
 * with ?token= when the link is good, ?error=INVALID_TOKEN when it is not
 * (used, replaced by a newer one, expired, or never made).
 */
export default async function ResetPasswordPage({ searchParams }: SearchParamsProps) {
  const params = await searchParams;
  const token = singleParam(params.token);
  if (!token || params.error !== undefined) {
    return (
      <main>
        <div className="card stack" data-testid="reset-link-refused">
          <h1>This link does not work</h1>
          <p>
            {params.error === undefined
              ? "This page opens from the link in a password-reset mail."
              : `The link was used already, a newer one was sent since, or it expired (links work for ${lifetimeInWords(RESET_LINK_LIFETIME)}).`}
          </p>
          <div className="actions">
            <Link className="button" href="/forgot-password">
              Ask for a new link
            </Link>
          </div>
        </div>
      </main>
    );
  }
  return <ResetPasswordForm token={token} />;
}
