import { redirect } from "next/navigation";

import { AuthForm } from "~/app/_components/auth-form";
import { signInProvider } from "~/server/oidc-sign-in";
import { getSession } from "~/server/session";

export const metadata = { title: "Sign up · Typed Worker Stack" };

export default async function SignUpPage() {
  if (await getSession()) redirect("/dashboard");
  return <AuthForm mode="sign-up" provider={signInProvider()} />;
}
