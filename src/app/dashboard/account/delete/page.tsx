import Link from "next/link";
import { redirect } from "next/navigation";

import { singleParam, type SearchParamsProps } from "~/app/_components/search-params";
import { getSession } from "~/server/session";
import { ConfirmDeletion } from "./confirm-deletion";

export const metadata = { title: "Delete your account · Typed Worker Stack" };

/**
 * Where a mailed deletion link lands (account/delete-account-link.ts): it
 * asks once more, then posts the token; opening the link deletes nothing.
 */
export default async function DeleteAccountPage({ searchParams }: SearchParamsProps) {
  const token = singleParam((await searchParams).token);
  const session = await getSession();
  if (!session) redirect("/sign-in");
  if (!token) {
    return (
      <main>
        <div className="card stack">
          <h1>This link does not work</h1>
          <p>This page opens from the link in an account-deletion mail.</p>
          <p>
            <Link href="/dashboard/account">Back to the account settings</Link>
          </p>
        </div>
      </main>
    );
  }
  return <ConfirmDeletion token={token} email={session.user.email} />;
}
