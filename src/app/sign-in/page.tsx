import { redirect } from "next/navigation";

import { AuthForm } from "~/app/_components/auth-form";
import { noticeFor } from "~/app/_components/notices";
import type { SearchParamsProps } from "~/app/_components/search-params";
import { getSession } from "~/server/session";
import { PasskeySignIn } from "./passkey-sign-in";

export const metadata = { title: "Sign in · Typed Worker Stack" };

export default async function SignInPage({ searchParams }: SearchParamsProps) {
  if (await getSession()) redirect("/dashboard");
  const { notice } = await searchParams;
  return <AuthForm mode="sign-in" notice={noticeFor(notice)} alternative={<PasskeySignIn />} />;
}
