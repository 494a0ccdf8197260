"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { newPasswordProblem } from "~/app/_components/new-password";
import { NewPasswordFields } from "~/app/_components/new-password-fields";
import { withNotice } from "~/app/_components/notices";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

/** The new password for the account `token` (from the mailed link) belongs to. */
export function ResetPasswordForm({ token }: { token: string }) {
  const router = useRouter();
  const { pending, failure, run } = useAuthCall();
  const [problem, setProblem] = useState<string | null>(null);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const newPassword = textField(form, "newPassword");
    const found = newPasswordProblem(newPassword, textField(form, "confirmPassword"));
    setProblem(found);
    if (found) return;
    const answer = await run(() => authClient.resetPassword({ newPassword, token }));
    // Every session of the account has ended, this browser's included, if it had one.
    if (answer) router.push(withNotice("/sign-in", "password-reset"));
  }

  const message = problem ?? failure?.message;
  return (
    <main>
      <div className="card">
        <h1>Choose a new password</h1>
        <form onSubmit={(event) => void onSubmit(event)} aria-label="Choose a new password">
          <NewPasswordFields />
          <FormAlert message={message} />
          <div className="actions">
            <SubmitButton pending={pending} busy="Saving…">
              Save the new password
            </SubmitButton>
            {failure?.code === "INVALID_TOKEN" && <Link href="/forgot-password">Ask for a new link</Link>}
          </div>
        </form>
      </div>
    </main>
  );
}
