"use client";

import { useState } from "react";

import { authClient } from "~/app/auth-client";
import { Notice } from "~/app/_components/notice";
import { useAuthCall } from "~/app/_components/use-auth-call";
import { api } from "~/trpc/react";
import styles from "./account.module.css";
import { FormAlert } from "~/app/_components/form-parts";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * Where the account is signed in (account.sessions), with a way to sign
 * each other session out (account.revokeSession) or all of them at once
 * (Better Auth's revoke-other-sessions). This one is ended by signing out.
 */
export function SessionsSection() {
  const utils = api.useUtils();
  const sessions = api.account.sessions.useQuery();
  const revoke = api.account.revokeSession.useMutation({
    onSettled: () => utils.account.sessions.invalidate(),
  });
  const others = useAuthCall();
  const [othersEnded, setOthersEnded] = useState(false);

  async function signOutOthers() {
    setOthersEnded(false);
    revoke.reset();
    const answer = await others.run(() => authClient.revokeOtherSessions());
    if (answer) setOthersEnded(true);
    await utils.account.sessions.invalidate();
  }

  const list = sessions.data ?? [];
  const failure = revoke.error?.message ?? others.failure?.message;
  return (
    <section className="card" aria-label="Sessions">
      <h2>Where you are signed in</h2>
      <div className="stack">
        {sessions.error ? (
          <p className="error" role="alert">
            {sessions.error.message}
          </p>
        ) : !sessions.data ? (
          <p className="muted">Loading your sessions…</p>
        ) : (
          <ul className={styles.sessions} data-testid="sessions">
            {list.map((session) => (
              <li key={session.id} className={styles.session} data-testid="session" data-current={session.current}>
                <div>
                  <strong>{session.device}</strong>
                  {session.current && <span className={styles.badge}>This session</span>}
                </div>
                <dl>
                  <dt>IP address</dt>
                  <dd>{session.ipAddress ?? "unknown"}</dd>
                  <dt>Signed in</dt>
                  <dd>
                    <time dateTime={session.createdAt.toISOString()}>{dateTime.format(session.createdAt)}</time>
                  </dd>
                  <dt>Last active</dt>
                  <dd>
                    <time dateTime={session.lastActive.toISOString()}>{dateTime.format(session.lastActive)}</time>
                  </dd>
                </dl>
                {!session.current && (
                  <div className="actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Sign out ${session.device}, signed in ${dateTime.format(session.createdAt)}`}
                      disabled={revoke.isPending && revoke.variables.sessionId === session.id}
                      onClick={() => {
                        setOthersEnded(false);
                        revoke.mutate({ sessionId: session.id });
                      }}
                    >
                      {revoke.isPending && revoke.variables.sessionId === session.id ? "Signing out…" : "Sign out"}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        {othersEnded && <Notice>Your other sessions are signed out.</Notice>}
        <FormAlert message={failure} />
        {list.some((session) => !session.current) && (
          <div className="actions">
            <button type="button" onClick={() => void signOutOthers()} disabled={others.pending}>
              {others.pending ? "Signing out…" : "Sign out all other sessions"}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
