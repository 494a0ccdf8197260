import Link from "next/link";
import { redirect } from "next/navigation";

import { linkErrorInWords } from "~/app/_components/link-errors";
import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
import { hasPassword } from "~/server/account/has-password";
import { VERIFY_LINK_LIFETIME } from "~/server/account/link-lifetimes";
import { lifetimeInWords } from "~/server/mail/messages";
import { browserWorkerUrl } from "~/server/browser-worker-url";
import { getSession } from "~/server/session";
import { DeleteAccountForm } from "./delete-account-form";
import { EmailForm } from "./email-form";
import { ExportData } from "./export-data";
import { NameForm } from "./name-form";
import { PasskeysSection } from "./passkeys-section";
import { PasswordForm } from "./password-form";
import { SessionsSection } from "./sessions-section";
import { SignInMethodsSection } from "./sign-in-methods-section";
import { signInErrorInWords } from "~/app/_components/sign-in-errors";
import { signInProvider } from "~/server/oidc-sign-in";
import { TwoFactorSection } from "./two-factor-section";

export const metadata = { title: "Account settings · Typed Worker Stack" };

export default async function AccountPage({ searchParams }: SearchParamsProps) {
  const session = await getSession();
  if (!session) redirect("/sign-in");
  const { user } = session;
  // A change-of-address link comes back here, with ?error=CODE when it did not work.
  const params = await searchParams;
  const linkError = singleParam(params.error);
  // A provider link that failed (the sign-in page sends a signed-in user here).
  const methodError = singleParam(params["method-error"]);
  const provider = signInProvider();
  const withPassword = await hasPassword(user.id);

  return (
    <main className="wide">
      <h1>Account settings</h1>
      <p>
        <Link href="/dashboard">Back to the dashboard</Link>
      </p>
      <NameForm name={user.name} />
      <EmailForm
        email={user.email}
        verified={user.emailVerified}
        linkError={linkError === undefined ? null : linkErrorInWords(linkError, lifetimeInWords(VERIFY_LINK_LIFETIME))}
      />
      <PasswordForm hasPassword={withPassword} />
      <TwoFactorSection enabled={user.twoFactorEnabled === true} hasPassword={withPassword} />
      <PasskeysSection />
      <SignInMethodsSection
        provider={provider}
        error={methodError === undefined ? null : signInErrorInWords(methodError, provider?.name ?? "the provider")}
      />
      <SessionsSection />
      <ExportData workerUrl={browserWorkerUrl()} sessionId={session.session.id} />
      <DeleteAccountForm hasPassword={withPassword} email={user.email} />
    </main>
  );
}
