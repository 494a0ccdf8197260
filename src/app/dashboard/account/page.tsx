import Link from "next/link";
import { redirect } from "next/navigation";

import { linkErrorInWords } from "~/app/_components/link-errors";
import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
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

export const metadata = { title: "Account settings · Typed Worker Stack" };

export default async function AccountPage({ searchParams }: SearchParamsProps) {
  const session = await getSession();
  if (!session) redirect("/sign-in");
  const { user } = session;
  // A change-of-address link comes back here, with ?error=CODE when it did not work.
  const linkError = singleParam((await searchParams).error);

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
      <PasswordForm />
      <PasskeysSection />
      <SessionsSection />
      <ExportData workerUrl={browserWorkerUrl()} sessionId={session.session.id} />
      <DeleteAccountForm />
    </main>
  );
}
