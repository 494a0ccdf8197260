"use client";

import Link from "next/link";

import { authClient } from "~/app/auth-client";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";
import { withNotice } from "~/app/_components/notices";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { clearWorkerTokens } from "~/trpc/worker";
import styles from "../account.module.css";

/** The last step of deleting an account by a mailed link: one button, then gone. */
export function ConfirmDeletion({ token, email }: { token: string; email: string }) {
  const { pending, failure, run } = useAuthCall();

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const answer = await run(() => authClient.deleteUser({ token }));
    if (!answer) return;
    clearWorkerTokens();
    window.location.replace(withNotice("/", "account-deleted"));
  }

  return (
    <main>
      <section className={`card ${styles.danger}`} aria-label="Delete account">
        <h1>Delete the account {email}?</h1>
        <form onSubmit={(event) => void onSubmit(event)} aria-label="Confirm the deletion">
          <p>The account and every document in it are deleted, and every session is signed out. It cannot be undone.</p>
          <FormAlert message={failure?.message} />
          <div className="actions">
            <SubmitButton pending={pending} busy="Deleting…" className={styles.dangerButton}>
              Delete my account
            </SubmitButton>
            <Link href="/dashboard/account">Keep it</Link>
          </div>
        </form>
      </section>
    </main>
  );
}
