"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { textField } from "~/app/_components/form-field";
import { Notice } from "~/app/_components/notice";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { MAX_NAME_LENGTH } from "~/contract/user-fields";
import { FormAlert, SubmitButton } from "~/app/_components/form-parts";

export function NameForm({ name }: { name: string }) {
  const router = useRouter();
  const { pending, failure, run } = useAuthCall();
  const [saved, setSaved] = useState(false);

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    const answer = await run(() =>
      authClient.updateUser({ name: textField(new FormData(event.currentTarget), "name") }),
    );
    if (!answer) return;
    setSaved(true);
    // The page's other parts (and the dashboard) read the name from the server.
    router.refresh();
  }

  return (
    <section className="card" aria-label="Profile">
      <h2>Profile</h2>
      <form onSubmit={(event) => void onSubmit(event)} aria-label="Profile">
        <label>
          Name
          <input name="name" autoComplete="name" required maxLength={MAX_NAME_LENGTH} defaultValue={name} />
        </label>
        {saved && <Notice>Saved.</Notice>}
        <FormAlert message={failure?.message} />
        <div className="actions">
          <SubmitButton pending={pending} busy="Saving…">
            Save
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
