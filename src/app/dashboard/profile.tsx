"use client";

import { useState } from "react";

import { authClient } from "~/lib/auth-client";
import { api } from "~/trpc/react";
import { clearWorkerTokens } from "~/trpc/worker";
import spacing from "./spacing.module.css";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function Profile() {
  const me = api.session.me.useQuery();
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

  if (me.isPending) return <div className="card muted">Loading your session…</div>;

  if (me.error) {
    return (
      <div className="card">
        <p className="error" role="alert">
          {me.error.data?.code === "UNAUTHORIZED"
            ? "Your session has ended. Sign in again."
            : `Could not load your session: ${me.error.message}`}
        </p>
      </div>
    );
  }

  const { user, session } = me.data;
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
          <time dateTime={session.expiresAt.toISOString()}>{dateTime.format(session.expiresAt)}</time>
        </dd>
      </dl>
      <div className={`actions ${spacing.wideGap}`}>
        <button type="button" className="secondary" onClick={signOut} disabled={signingOut}>
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
        {signOutError && (
          <p className="error" role="alert">
            {signOutError}
          </p>
        )}
      </div>
    </section>
  );
}
