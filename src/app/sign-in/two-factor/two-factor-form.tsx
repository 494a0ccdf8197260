"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";
import { TotpCodeField } from "~/app/_components/totp-code-field";
import { useAuthCall } from "~/app/_components/use-auth-call";

/** The code from the authenticator app, or a backup code instead; "trust this browser" skips this step for 30 days. */
export function TwoFactorForm() {
  const router = useRouter();
  const { pending, failure, run } = useAuthCall();
  const [backup, setBackup] = useState(false);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const trustDevice = form.get("trustDevice") === "on";
    const code = textField(form, "code").trim();
    const answer = await run(() =>
      backup
        ? authClient.twoFactor.verifyBackupCode({ code, trustDevice })
        : authClient.twoFactor.verifyTotp({ code: code.replace(/\s/g, ""), trustDevice }),
    );
    if (!answer) return;
    router.push("/dashboard");
    router.refresh();
  }

  return (
    <main>
      <div className="card">
        <h1>Two-factor sign-in</h1>
        <form onSubmit={(event) => void onSubmit(event)} aria-label="Two-factor sign-in">
          {backup ? (
            <label key="backup">
              Backup code
              <input name="code" autoComplete="off" autoCapitalize="off" spellCheck={false} maxLength={32} required />
            </label>
          ) : (
            <TotpCodeField key="totp" label="Code from your authenticator app" autoFocus />
          )}
          <label className="checkbox">
            <input name="trustDevice" type="checkbox" />
            Trust this browser for 30 days
          </label>
          <FormAlert message={failure?.message} />
          <div className="actions">
            <SubmitButton pending={pending} busy="Checking…">
              Sign in
            </SubmitButton>
            <button type="button" className="secondary" onClick={() => setBackup(!backup)}>
              {backup ? "Use the authenticator app" : "Use a backup code"}
            </button>
            <Link href="/sign-in">Start over</Link>
          </div>
        </form>
      </div>
    </main>
  );
}
