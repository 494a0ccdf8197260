"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { MIN_PASSWORD_LENGTH } from "~/contract/password-policy";
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from "~/contract/user-fields";

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

// Where Better Auth's own message leaves the user guessing what to do next.
const clearer: Record<string, string> = {
  PASSWORD_TOO_SHORT: `Password too short: use at least ${String(MIN_PASSWORD_LENGTH)} characters.`,
};

/**
 * Better Auth answers with a code and a message; show words, never a blank
 * failure. A rate-limited attempt says how long to wait (Retry-After, or
 * X-Retry-After, the header of Better Auth's own limiter).
 */
function describe(
  error: { code?: string; message?: string; status: number; statusText: string },
  retryAfter: string | null,
): string {
  if (error.status === 429) {
    const seconds = Number(retryAfter);
    return seconds > 0
      ? `Too many attempts. Try again in ${String(seconds)} second${seconds === 1 ? "" : "s"}.`
      : "Too many attempts. Wait a moment and try again.";
  }
  return (
    (error.code && clearer[error.code]) ||
    error.message ||
    error.statusText ||
    `Request failed (HTTP ${String(error.status)}).`
  );
}

export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const text = copy[mode];

  async function onSubmit(event: React.SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    // Text inputs only: a missing field reads as empty.
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value : "";
    };
    const email = field("email");
    const password = field("password");
    setPending(true);
    setError(null);
    let retryAfter: string | null = null;
    const fetchOptions = {
      onError: ({ response }: { response: Response }) =>
        void (retryAfter = response.headers.get("retry-after") ?? response.headers.get("x-retry-after")),
    };
    try {
      const { error: failure } =
        mode === "sign-up"
          ? await authClient.signUp.email({ name: field("name"), email, password }, fetchOptions)
          : await authClient.signIn.email({ email, password }, fetchOptions);
      if (failure) {
        setError(describe(failure, retryAfter));
        return;
      }
      router.push("/dashboard");
      router.refresh();
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <main>
      <div className="card">
        <h1>{text.title}</h1>
        <form onSubmit={(event) => void onSubmit(event)} aria-label={text.title}>
          {mode === "sign-up" && (
            <label>
              Name
              <input name="name" autoComplete="name" required maxLength={MAX_NAME_LENGTH} />
            </label>
          )}
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required maxLength={MAX_EMAIL_LENGTH} />
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
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={pending}>
              {pending ? text.busy : text.submit}
            </button>
            <Link href={text.other}>{text.otherText}</Link>
          </div>
        </form>
      </div>
    </main>
  );
}
