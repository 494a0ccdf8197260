import { redirect } from "next/navigation";

import { getSession } from "~/server/session";
import { TwoFactorForm } from "./two-factor-form";

export const metadata = { title: "Two-factor sign-in · Typed Worker Stack" };

/**
 * The second step of signing in to an account with two-factor sign-in on.
 * Whether this browser has a sign-in waiting is the plugin's signed cookie,
 * which only its endpoints read: without one, the form's answer says so.
 */
export default async function TwoFactorPage() {
  if (await getSession()) redirect("/dashboard");
  return <TwoFactorForm />;
}
