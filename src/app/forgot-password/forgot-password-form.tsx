"use client";

import Link from "next/link";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { Notice } from "~/app/_components/notice";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { RESET_PASSWORD_PAGE } from "~/contract/account-pages";
import { MAX_EMAIL_LENGTH } from "~/contract/user-fields";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

/**
 * Asks for a reset link. The answer is the same whether or not the address
 * has an account (the server's is too): the page must not tell a stranger
 * which addresses are registered. `lifetime`: how long the link works, in words.
 */
export function ForgotPasswordForm({ lifetime }: { lifetime: string }) {
  const { pending, failure, run } = useAuthCall();
  const [requested, setRequested] = useState(false);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = textField(new FormData(event.currentTarget), "email");
    const answer = await run(() => authClient.requestPasswordReset({ email, redirectTo: RESET_PASSWORD_PAGE }));
    if (answer) setRequested(true);
  }

  return (
    <main>
      <div className="card">
        <h1>Forgot password</h1>
        {requested ? (
          <div className="stack">
            <Notice testId="reset-requested">
              If this address has an account, a link is on its way; it works for {lifetime}.
            </Notice>
            <div className="actions">
              <Link href="/sign-in">Back to sign in</Link>
            </div>
          </div>
        ) : (
          <form onSubmit={(event) => void onSubmit(event)} aria-label="Forgot password">
            <p className="muted">We will mail you a link to choose a new password.</p>
            <label>
              Email
              <input name="email" type="email" autoComplete="email" required maxLength={MAX_EMAIL_LENGTH} />
            </label>
            <FormAlert message={failure?.message} />
            <div className="actions">
              <SubmitButton pending={pending} busy="Sending…">
                Send me a link
              </SubmitButton>
              <Link href="/sign-in">Back to sign in</Link>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
