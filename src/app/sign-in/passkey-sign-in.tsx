"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

import { authClient } from "~/app/auth-client";
import { describeAuthError, type AuthClientError } from "~/app/_components/auth-error";
import { FormAlert } from "~/app/_components/form-parts";
import { usePasskeySupport } from "~/app/_components/passkey-support";
import { useAuthCall } from "~/app/_components/use-auth-call";

/**
 * Sign-in with a passkey (Better Auth's passkey plugin): a button, and,
 * where the browser supports it, the account's passkeys offered in the email
 * field's autofill (conditional mediation; the field says
 * autocomplete="username webauthn"). Either way the passkey names the
 * account: no address is asked for.
 */
export function PasskeySignIn() {
  const router = useRouter();
  const { pending, failure, run } = useAuthCall();
  const supported = usePasskeySupport(false);
  const [autofillFailure, setAutofillFailure] = useState<string | null>(null);

  function signedIn() {
    router.push("/dashboard");
    router.refresh();
  }

  useEffect(() => {
    if (!supported) return;
    let active = true;
    void (async () => {
      const conditional = await PublicKeyCredential.isConditionalMediationAvailable?.().catch(() => false);
      if (!conditional || !active) return;
      // Waits until the user picks a passkey in the autofill list. Starting
      // the button's ceremony aborts this one: that answer is not an error.
      const answer = await authClient.signIn.passkey({ autoFill: true }).catch(() => null);
      if (!active || !answer) return;
      if (answer.data) signedIn();
      else if (answer.error && !isCancelled(answer.error)) setAutofillFailure(describePasskeyError(answer.error));
    })();
    return () => {
      active = false;
    };
    // Once per visit of the page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [supported]);

  async function signInWithPasskey() {
    setAutofillFailure(null);
    const answer = await run(async () => {
      const outcome = await authClient.signIn.passkey();
      return outcome.error && isCancelled(outcome.error)
        ? { data: null, error: { ...outcome.error, message: describePasskeyError(outcome.error) } }
        : outcome;
    });
    if (answer) signedIn();
  }

  if (!supported) return null;
  return (
    <div className="stack">
      <p className="muted">or</p>
      <FormAlert message={autofillFailure ?? failure?.message} />
      <div className="actions">
        <button type="button" className="secondary" disabled={pending} onClick={() => void signInWithPasskey()}>
          {pending ? "Waiting for your passkey…" : "Sign in with a passkey"}
        </button>
      </div>
    </div>
  );
}

/** The client's answer when the browser's ceremony did not finish (cancelled, timed out, aborted). */
function isCancelled(error: AuthClientError): boolean {
  return error.message === "Auth cancelled";
}

function describePasskeyError(error: AuthClientError): string {
  // SimpleWebAuthn's codes for a page whose address is not the passkeys' (another host, or an IP address).
  if (error.code === "ERROR_INVALID_DOMAIN" || error.code === "ERROR_INVALID_RP_ID") {
    return "Passkeys work only at this app's own address: open it there and try again.";
  }
  return isCancelled(error) ? "Sign-in with a passkey was cancelled or timed out." : describeAuthError(error);
}
