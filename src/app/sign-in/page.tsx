import { redirect } from "next/navigation";

import { AuthForm } from "~/app/_components/auth-form";
import { noticeFor } from "~/app/_components/notices";
import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
import { signInErrorInWords } from "~/app/_components/sign-in-errors";
import { signInProvider } from "~/server/oidc-sign-in";
import { getSession } from "~/server/session";
import { PasskeySignIn } from "./passkey-sign-in";

export const metadata = { title: "Sign in · Typed Worker Stack" };

export default async function SignInPage({ searchParams }: SearchParamsProps) {
  const params = await searchParams;
  // Where a failed sign-in or link with the provider lands (?error=CODE,
  // Better Auth's onAPIError.errorURL): a link was started by a signed-in
  // user, whose settings page says what went wrong.
  const error = singleParam(params.error);
  if (await getSession()) {
    redirect(error === undefined ? "/dashboard" : `/dashboard/account?method-error=${encodeURIComponent(error)}`);
  }
  const provider = signInProvider();
  return (
    <AuthForm
      mode="sign-in"
      notice={noticeFor(params.notice)}
      error={error === undefined ? null : signInErrorInWords(error, provider?.name ?? "the provider")}
      provider={provider}
      alternative={<PasskeySignIn />}
    />
  );
}
