import { redirect } from "next/navigation";

import { AuthForm } from "~/app/_components/auth-form";
import { getSession } from "~/server/session";

export const metadata = { title: "Sign in · Typed Worker Stack" };

export default async function SignInPage() {
  if (await getSession()) redirect("/dashboard");
  return <AuthForm mode="sign-in" />;
}
