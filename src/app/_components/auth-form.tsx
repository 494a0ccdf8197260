"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { MIN_PASSWORD_LENGTH } from "~/contract/password-policy";
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from "~/contract/user-fields";
import { textField } from "./form-field";
import { Notice } from "./notice";
import { ResendVerification } from "./resend-verification";
import { useAuthCall } from "./use-auth-call";
import { FormAlert } from "./form-parts";
import { ProviderSignIn, type SignInProvider } from "./provider-sign-in";

type Mode = "sign-in" | "sign-up";

const copy = {
  "sign-in": {
    title: "Sign in",
    submit: "Sign in",
    busy: "Signing in…",
    other: "/sign-up",
    otherText: "No account yet? Sign up",
  },
  "sign-up": {
    title: "Create an account",
    submit: "Sign up",
    busy: "Creating account…",
    other: "/sign-in",
    otherText: "Already have an account? Sign in",
  },
} as const;

/**
 * The sign-in and sign-up forms. `notice` is what the page that sent the
 * user here had to say (a password just reset, say); `error`, why a sign-in
 * with the provider failed; `provider`, the OpenID Connect provider when one
 * is configured; `alternative`, another way in, shown under the form
 * (sign-in's passkey button).
 */
export function AuthForm({
  mode,
  notice,
  error,
  provider,
  alternative,
}: {
  mode: Mode;
  notice?: string | null;
  error?: string | null;
  provider?: SignInProvider | null;
  alternative?: React.ReactNode;
}) {
  const router = useRouter();
  const { pending, failure, run } = useAuthCall();
  // The address last submitted: a sign-in refused because it is unverified offers a new link to it.
  const [submitted, setSubmitted] = useState("");
  // Where the verification link went, once a sign-up made no session.
  const [mailedTo, setMailedTo] = useState<string | null>(null);
  const text = copy[mode];

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = textField(form, "email");
    const password = textField(form, "password");
    setSubmitted(email);
    const answer =
      mode === "sign-up"
        ? await run(() => authClient.signUp.email({ name: textField(form, "name"), email, password }))
        : await run(() => authClient.signIn.email({ email, password }));
    if (!answer) return;
    // The password was right and the account asks for a second factor: no
    // session yet, only the two-factor plugin's pending cookie.
    if ("twoFactorRedirect" in answer && answer.twoFactorRedirect) {
      router.push("/sign-in/two-factor");
      return;
    }
    // Sign-up makes no session while the address waits for its link
    // (REQUIRE_EMAIL_VERIFICATION); the answer cannot say so, as session
    // tokens are kept from the browser, so ask for the session.
    // When that question fails, the dashboard finds out (and sends a signed-out user to sign in).
    if (mode === "sign-up") {
      const session = await authClient.getSession().catch(() => undefined);
      if (session && !session.error && !session.data) {
        setMailedTo(email);
        return;
      }
    }
    router.push("/dashboard");
    router.refresh();
  }

  if (mailedTo) {
    return (
      <main>
        <div className="card stack" data-testid="sign-up-mailed">
          <h1>Check your mail</h1>
          <p>
            We sent a link to <strong>{mailedTo}</strong>; open it to finish.
          </p>
          <p className="muted">Nothing there after a few minutes? Look in the spam folder, or:</p>
          <ResendVerification email={mailedTo} />
        </div>
      </main>
    );
  }

  return (
    <main>
      <div className="card">
        <h1>{text.title}</h1>
        <form onSubmit={(event) => void onSubmit(event)} aria-label={text.title}>
          {notice && <Notice testId="page-notice">{notice}</Notice>}
          {error && (
            <p className="error" role="alert" data-testid="sign-in-error">
              {error}
            </p>
          )}
          {mode === "sign-up" && (
            <label>
              Name
              <input name="name" autoComplete="name" required maxLength={MAX_NAME_LENGTH} />
            </label>
          )}
          <label>
            Email
            <input
              name="email"
              type="email"
              // "webauthn": the browser may offer the account's passkeys here (passkey-sign-in.tsx).
              autoComplete={mode === "sign-in" ? "username webauthn" : "email"}
              required
              maxLength={MAX_EMAIL_LENGTH}
            />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
              required
            />
            {mode === "sign-up" && <small className="muted">At least {MIN_PASSWORD_LENGTH} characters.</small>}
          </label>
          <FormAlert message={failure?.message} />
          {failure?.code === "EMAIL_NOT_VERIFIED" && <ResendVerification email={submitted} />}
          <div className="actions">
            <button type="submit" disabled={pending}>
              {pending ? text.busy : text.submit}
            </button>
            <Link href={text.other}>{text.otherText}</Link>
            {mode === "sign-in" && <Link href="/forgot-password">Forgot password?</Link>}
          </div>
        </form>
        {provider && <ProviderSignIn provider={provider} mode={mode} />}
        {alternative}
      </div>
    </main>
  );
}
