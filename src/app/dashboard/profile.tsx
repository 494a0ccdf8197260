"use client";

import Link from "next/link";
import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { clearWorkerTokens } from "~/trpc/worker";
import spacing from "./spacing.module.css";
import { FormAlert } from "~/app/_components/form-parts";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** Who is signed in, as the page's own session read found them: rendered with the page, nothing to fetch. */
export interface ProfileProps {
  user: { id: string; name: string; email: string };
  sessionExpiresAt: Date;
}

export function Profile({ user, sessionExpiresAt }: ProfileProps) {
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);

  async function signOut() {
    setSigningOut(true);
    setSignOutError(null);
    const { error } = await authClient.signOut();
    if (error) {
      setSignOutError(error.message ?? "Sign-out failed. Try again.");
      setSigningOut(false);
      return;
    }
    // The server dropped its cached worker token with the session; this tab
    // forgets its own. The full page load that follows (not a client-side
    // push) leaves nothing of the signed-in user in memory, query cache included.
    clearWorkerTokens();
    window.location.replace("/sign-in");
  }

  return (
    <section className="card" aria-label="Signed-in user">
      <h2>Signed in as {user.name}</h2>
      <dl>
        <dt>Name</dt>
        <dd data-testid="user-name">{user.name}</dd>
        <dt>Email</dt>
        <dd data-testid="user-email">{user.email}</dd>
        <dt>User id</dt>
        <dd>{user.id}</dd>
        <dt>Session expires</dt>
        <dd data-testid="session-expiry">
          <time dateTime={sessionExpiresAt.toISOString()}>{dateTime.format(sessionExpiresAt)}</time>
        </dd>
      </dl>
      <div className={`actions ${spacing.wideGap}`}>
        <button type="button" className="secondary" onClick={() => void signOut()} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
        <Link href="/dashboard/account">Account settings</Link>
        <FormAlert message={signOutError} />
      </div>
    </section>
  );
}
