"use client";

import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { withNotice } from "~/app/_components/notices";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { MAX_PASSWORD_LENGTH } from "~/contract/password-policy";
import { clearWorkerTokens } from "~/trpc/worker";
import styles from "./account.module.css";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

/**
 * Deletes the account, documents included, once its password is given; an
 * account without one is mailed a link that confirms it (DeleteByMailedLink).
 */
export function DeleteAccountForm({ hasPassword, email }: { hasPassword: boolean; email: string }) {
  const { pending, failure, run } = useAuthCall();
  if (!hasPassword) return <DeleteByMailedLink email={email} />;

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = textField(new FormData(event.currentTarget), "password");
    const answer = await run(() => authClient.deleteUser({ password }));
    if (!answer) return;
    // As after signing out (dashboard/profile.tsx): this tab forgets its
    // worker tokens, and a full page load leaves nothing of the account in memory.
    clearWorkerTokens();
    window.location.replace(withNotice("/", "account-deleted"));
  }

  return (
    <section className={`card ${styles.danger}`} aria-label="Delete account">
      <h2>Delete account</h2>
      <form onSubmit={(event) => void onSubmit(event)} aria-label="Delete account">
        <p>This deletes your account and every document in it, and signs you out everywhere. It cannot be undone.</p>
        <label>
          Your password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={MAX_PASSWORD_LENGTH}
          />
        </label>
        <FormAlert message={failure?.message} />
        <div className="actions">
          <SubmitButton pending={pending} busy="Deleting…" className={styles.dangerButton}>
            Delete my account
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}

function DeleteByMailedLink({ email }: { email: string }) {
  const { pending, failure, run } = useAuthCall();
  const [sent, setSent] = useState(false);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const answer = await run(() => authClient.$fetch<{ sent: boolean }>("/delete-user/send-link", { method: "POST" }));
    if (answer) setSent(true);
  }

  return (
    <section className={`card ${styles.danger}`} aria-label="Delete account">
      <h2>Delete account</h2>
      <form onSubmit={(event) => void onSubmit(event)} aria-label="Delete account">
        <p>
          This deletes your account and every document in it, and signs you out everywhere. It cannot be undone. Your
          account has no password, so a link to confirm it is mailed to {email}.
        </p>
        {sent ? (
          <p role="status">Mail sent: open the link in it in this browser to confirm.</p>
        ) : (
          <>
            <FormAlert message={failure?.message} />
            <div className="actions">
              <SubmitButton pending={pending} busy="Sending…" className={styles.dangerButton}>
                Mail me the link
              </SubmitButton>
            </div>
          </>
        )}
      </form>
    </section>
  );
}
