"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";
import { Notice } from "~/app/_components/notice";
import { TotpCodeField } from "~/app/_components/totp-code-field";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { MAX_PASSWORD_LENGTH } from "~/contract/password-policy";
import { api } from "~/trpc/react";
import styles from "./account.module.css";
import { BackupCodes } from "./backup-codes";
import { TotpQrCode } from "./totp-qr-code";

/** A setup begun with the password and not yet confirmed with a code. */
interface Setup {
  totpURI: string;
  backupCodes: string[];
}

/**
 * Two-factor sign-in with an authenticator app (Better Auth's two-factor
 * plugin): turned on with the password, then a code from the app confirms
 * the secret was scanned (until then sign-in asks for nothing more); turned
 * off with the password. Confirming or turning it off gives this browser a
 * new session (the plugin's), so the page and the sessions list follow.
 */
export function TwoFactorSection({ enabled, hasPassword }: { enabled: boolean; hasPassword: boolean }) {
  // The plugin asks for the password at every step, and guards password
  // sign-in only: an account made by single sign-on has its provider's.
  if (!hasPassword) return <NoPasswordNoSecondFactor />;
  return <TwoFactorSettings enabled={enabled} />;
}

function NoPasswordNoSecondFactor() {
  return (
    <section className="card" aria-label="Two-factor sign-in">
      <h2>Two-factor sign-in</h2>
      <p>
        A code from an authenticator app is asked after a password. Your account has no password: you sign in with
        single sign-on, whose provider keeps its own second factor. Add a password (above) to use one here too.
      </p>
    </section>
  );
}

function TwoFactorSettings({ enabled }: { enabled: boolean }) {
  const router = useRouter();
  const utils = api.useUtils();
  const { pending, failure, run } = useAuthCall();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [newCodes, setNewCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function settled(message: string) {
    setNotice(message);
    await utils.account.sessions.invalidate();
    router.refresh();
  }

  async function onEnable(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = textField(new FormData(event.currentTarget), "password");
    setNotice(null);
    const answer = await run(() => authClient.twoFactor.enable({ password, method: "totp" }));
    if (answer?.method === "totp") setSetup({ totpURI: answer.totpURI, backupCodes: answer.backupCodes });
  }

  async function onConfirm(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = textField(new FormData(event.currentTarget), "code").replace(/\s/g, "");
    const answer = await run(() => authClient.twoFactor.verifyTotp({ code }));
    if (!answer) return;
    setSetup(null);
    await settled("Two-factor sign-in is on: signing in now asks for a code from your app.");
  }

  async function onDisable(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = textField(new FormData(event.currentTarget), "password");
    const answer = await run(() => authClient.twoFactor.disable({ password }));
    if (!answer) return;
    setNewCodes(null);
    await settled("Two-factor sign-in is off.");
  }

  async function onRegenerate(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const password = textField(new FormData(formElement), "password");
    const answer = await run(() => authClient.twoFactor.generateBackupCodes({ password }));
    if (!answer) return;
    formElement.reset();
    setNewCodes(answer.backupCodes);
    setNotice("New backup codes made; the old ones no longer work.");
  }

  return (
    <section className="card" aria-label="Two-factor sign-in">
      <h2>Two-factor sign-in</h2>
      {notice && <Notice testId="two-factor-notice">{notice}</Notice>}
      {enabled ? (
        <>
          <p>On: signing in asks for a code from your authenticator app (or a backup code) after the password.</p>
          {newCodes && <BackupCodes codes={newCodes} />}
          <form onSubmit={(event) => void onRegenerate(event)} aria-label="New backup codes">
            <PasswordField />
            <div className="actions">
              <SubmitButton pending={pending} busy="Making codes…" className="secondary">
                Make new backup codes
              </SubmitButton>
            </div>
          </form>
          <form onSubmit={(event) => void onDisable(event)} aria-label="Turn off two-factor sign-in">
            <PasswordField />
            <div className="actions">
              <SubmitButton pending={pending} busy="Turning off…">
                Turn off two-factor sign-in
              </SubmitButton>
            </div>
          </form>
        </>
      ) : setup ? (
        <div className="stack">
          <p>Scan this with your authenticator app, or type the key below into it.</p>
          <TotpQrCode uri={setup.totpURI} />
          <p>
            Key:{" "}
            <code className={styles.secret} data-testid="totp-secret">
              {secretOf(setup.totpURI)}
            </code>
          </p>
          <BackupCodes codes={setup.backupCodes} />
          <form onSubmit={(event) => void onConfirm(event)} aria-label="Confirm two-factor sign-in">
            <TotpCodeField label="Code from the app" />
            <div className="actions">
              <SubmitButton pending={pending} busy="Checking…">
                Turn on
              </SubmitButton>
            </div>
          </form>
        </div>
      ) : (
        <form onSubmit={(event) => void onEnable(event)} aria-label="Set up two-factor sign-in">
          <p>Off. With it on, signing in also asks for a code from an authenticator app on your phone.</p>
          <PasswordField />
          <div className="actions">
            <SubmitButton pending={pending} busy="Setting up…">
              Set up two-factor sign-in
            </SubmitButton>
          </div>
        </form>
      )}
      <FormAlert message={failure?.message} />
    </section>
  );
}

function PasswordField() {
  return (
    <label>
      Your password
      <input name="password" type="password" autoComplete="current-password" required maxLength={MAX_PASSWORD_LENGTH} />
    </label>
  );
}

/** The base32 key an otpauth:// URI carries, for typing in by hand. */
function secretOf(totpURI: string): string {
  return new URL(totpURI).searchParams.get("secret") ?? "";
}
