"use client";

import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";
import { Notice } from "~/app/_components/notice";
import { usePasskeySupport } from "~/app/_components/passkey-support";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { MAX_PASSKEY_NAME_LENGTH } from "~/contract/user-fields";
import styles from "./account.module.css";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * The account's passkeys (Better Auth's passkey plugin): add one under a
 * name the user picks, rename or remove each. Signing in with one is on the
 * sign-in page.
 */
export function PasskeysSection() {
  const passkeys = authClient.useListPasskeys();
  const call = useAuthCall();
  const [notice, setNotice] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const supported = usePasskeySupport(true);

  async function add(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice(null);
    const form = event.currentTarget;
    const name = textField(new FormData(form), "name");
    const added = await call.run(() => authClient.passkey.addPasskey({ name }));
    if (!added) return;
    form.reset();
    setNotice(`Passkey “${name}” added: you can sign in with it.`);
  }

  async function rename(event: React.SubmitEvent<HTMLFormElement>, id: string) {
    event.preventDefault();
    setNotice(null);
    const name = textField(new FormData(event.currentTarget), "name");
    if (await call.run(() => authClient.passkey.updatePasskey({ id, name }))) setRenaming(null);
  }

  async function remove(id: string, name: string) {
    setNotice(null);
    if (await call.run(() => authClient.passkey.deletePasskey({ id }))) setNotice(`Passkey “${name}” removed.`);
  }

  const list = passkeys.data ?? [];
  return (
    <section className="card" aria-label="Passkeys">
      <h2>Passkeys</h2>
      <div className="stack">
        <p className="muted">
          A passkey signs you in with this device&apos;s screen lock or a security key, without a password.
        </p>
        {passkeys.error ? (
          <p className="error" role="alert">
            {passkeys.error.message || "Your passkeys could not be loaded."}
          </p>
        ) : passkeys.isPending && !passkeys.data ? (
          <p className="muted">Loading your passkeys…</p>
        ) : list.length === 0 ? (
          <p data-testid="no-passkeys">No passkeys yet.</p>
        ) : (
          <ul className={styles.sessions} data-testid="passkeys">
            {list.map((passkey) => {
              const name = passkey.name || "Unnamed passkey";
              const created = new Date(passkey.createdAt);
              return (
                <li key={passkey.id} className={styles.session} data-testid="passkey">
                  {renaming === passkey.id ? (
                    <form onSubmit={(event) => void rename(event, passkey.id)} aria-label={`Rename ${name}`}>
                      <label>
                        Name
                        <input
                          name="name"
                          required
                          maxLength={MAX_PASSKEY_NAME_LENGTH}
                          defaultValue={passkey.name ?? ""}
                        />
                      </label>
                      <div className="actions">
                        <SubmitButton pending={call.pending} busy="Saving…">
                          Save
                        </SubmitButton>
                        <button type="button" className="secondary" onClick={() => setRenaming(null)}>
                          Cancel
                        </button>
                      </div>
                    </form>
                  ) : (
                    <>
                      <strong>{name}</strong>
                      <dl>
                        <dt>Added</dt>
                        <dd>
                          <time dateTime={created.toISOString()}>{dateTime.format(created)}</time>
                        </dd>
                      </dl>
                      <div className="actions">
                        <button type="button" className="secondary" onClick={() => setRenaming(passkey.id)}>
                          Rename
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`Remove ${name}`}
                          disabled={call.pending}
                          onClick={() => void remove(passkey.id, name)}
                        >
                          Remove
                        </button>
                      </div>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {notice && <Notice>{notice}</Notice>}
        <FormAlert message={call.failure?.message} />
        {supported ? (
          <form onSubmit={(event) => void add(event)} aria-label="Add a passkey">
            <label>
              Passkey name
              <input name="name" required maxLength={MAX_PASSKEY_NAME_LENGTH} placeholder="e.g. Work laptop" />
            </label>
            <div className="actions">
              <SubmitButton pending={call.pending} busy="Waiting for your passkey…">
                Add a passkey
              </SubmitButton>
            </div>
          </form>
        ) : (
          <p className="muted">This browser cannot make passkeys.</p>
        )}
      </div>
    </section>
  );
}
