"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { newPasswordProblem } from "~/app/_components/new-password";
import { NewPasswordFields } from "~/app/_components/new-password-fields";
import { Notice } from "~/app/_components/notice";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { MAX_PASSWORD_LENGTH } from "~/contract/password-policy";
import { api } from "~/trpc/react";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

/** Changes the password; an account without one (single sign-on) is told how to add one. */
export function PasswordForm({ hasPassword }: { hasPassword: boolean }) {
  if (!hasPassword) return <NoPassword />;
  return <ChangePassword />;
}

function NoPassword() {
  return (
    <section className="card" aria-label="Password">
      <h2>Password</h2>
      <p>
        Your account has no password: you sign in with single sign-on. To add one, ask for a link on the{" "}
        <Link href="/forgot-password">forgot password</Link> page; choosing it there signs out your other sessions.
      </p>
    </section>
  );
}

function ChangePassword() {
  const router = useRouter();
  const utils = api.useUtils();
  const { pending, failure, run } = useAuthCall();
  const [problem, setProblem] = useState<string | null>(null);
  const [changed, setChanged] = useState<string | null>(null);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = textField(form, "newPassword");
    const revokeOtherSessions = form.get("revokeOtherSessions") === "on";
    setChanged(null);
    const found = newPasswordProblem(newPassword, textField(form, "confirmPassword"));
    setProblem(found);
    if (found) return;
    const answer = await run(() =>
      authClient.changePassword({
        currentPassword: textField(form, "currentPassword"),
        newPassword,
        revokeOtherSessions,
      }),
    );
    if (!answer) return;
    formElement.reset();
    setChanged(revokeOtherSessions ? "Password changed; your other sessions were signed out." : "Password changed.");
    // Signing the others out gives this browser a new session: the list and the page follow.
    await utils.account.sessions.invalidate();
    router.refresh();
  }

  const message = problem ?? failure?.message;
  return (
    <section className="card" aria-label="Password">
      <h2>Password</h2>
      <form onSubmit={(event) => void onSubmit(event)} aria-label="Change password">
        <label>
          Current password
          <input
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            maxLength={MAX_PASSWORD_LENGTH}
          />
        </label>
        <NewPasswordFields />
        <label className="checkbox">
          <input name="revokeOtherSessions" type="checkbox" defaultChecked />
          Sign out my other sessions
        </label>
        {changed && <Notice>{changed}</Notice>}
        <FormAlert message={message} />
        <div className="actions">
          <SubmitButton pending={pending} busy="Changing…">
            Change password
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
