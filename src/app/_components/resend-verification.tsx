"use client";

import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { VERIFIED_PAGE } from "~/contract/account-pages";
import { Notice } from "./notice";
import { useAuthCall } from "./use-auth-call";
import { FormAlert } from "./form-parts";

/**
 * "Send the link again" for `email`'s verification mail. The server allows
 * one a minute per address; a second press inside the minute is answered
 * with the wait, in words.
 */
export function ResendVerification({ email }: { email: string }) {
  const { pending, failure, run } = useAuthCall();
  const [sent, setSent] = useState(false);

  async function resend() {
    setSent(false);
    const answer = await run(() => authClient.sendVerificationEmail({ email, callbackURL: VERIFIED_PAGE }));
    if (answer) setSent(true);
  }

  return (
    <div className="stack">
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void resend()} disabled={pending}>
          {pending ? "Sending…" : "Send the link again"}
        </button>
      </div>
      {sent && <Notice>We sent a new link to {email}: open it to finish.</Notice>}
      <FormAlert message={failure?.message} />
    </div>
  );
}
