"use client";

import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { Notice } from "~/app/_components/notice";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { ACCOUNT_PAGE } from "~/contract/account-pages";
import { MAX_EMAIL_LENGTH } from "~/contract/user-fields";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

/**
 * The address and its change. The new address takes effect only when the
 * link mailed to it is opened (the old one is told first); until then this
 * page keeps showing the old one. `linkError`: such a link that failed, in words.
 */
export function EmailForm({
  email,
  verified,
  linkError,
}: {
  email: string;
  verified: boolean;
  linkError: string | null;
}) {
  const { pending, failure, run } = useAuthCall();
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setSentTo(null);
    const newEmail = textField(new FormData(event.currentTarget), "newEmail");
    const answer = await run(() => authClient.changeEmail({ newEmail, callbackURL: ACCOUNT_PAGE }));
    if (answer) setSentTo(newEmail);
  }

  return (
    <section className="card" aria-label="Email address">
      <h2>Email address</h2>
      <form onSubmit={(event) => void onSubmit(event)} aria-label="Change email address">
        <p>
          You sign in as <strong data-testid="account-email">{email}</strong>
          {verified ? " (verified)." : " (not verified yet)."}
        </p>
        <FormAlert message={linkError} />
        <label>
          New address
          <input name="newEmail" type="email" autoComplete="email" required maxLength={MAX_EMAIL_LENGTH} />
        </label>
        {sentTo && <Notice>We sent a link to {sentTo}; the change takes effect when it is opened.</Notice>}
        <FormAlert message={failure?.message} />
        <div className="actions">
          <SubmitButton pending={pending} busy="Sending…">
            Change address
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
