"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";

import { authClient } from "~/app/auth-client";
import { describeAuthError } from "~/app/_components/auth-error";
import { FormAlert } from "~/app/_components/form-parts";
import type { SignInProvider } from "~/app/_components/provider-sign-in";
import { useAuthCall } from "~/app/_components/use-auth-call";
import styles from "./account.module.css";

const METHODS_KEY = ["sign-in-methods"];

/** A row of Better Auth's list-accounts: ids and the provider, no token (it returns none). */
interface Method {
  id: string;
  providerId: string;
}

/**
 * The ways into this account: the password and the OpenID Connect provider
 * (Better Auth's account rows, list-accounts). The provider is linked here,
 * by the signed-in owner, through Better Auth's link flow: the provider must
 * say the address is verified and it must be this account's (src/server/auth.ts,
 * accountLinking). A method can be removed while another remains: Better
 * Auth's unlink-account refuses the last one. (Passkeys, kept in a table of
 * their own, get their own list beside this one.)
 */
export function SignInMethodsSection({ provider, error }: { provider: SignInProvider | null; error: string | null }) {
  const queryClient = useQueryClient();
  const listed = useQuery({
    queryKey: METHODS_KEY,
    queryFn: async (): Promise<Method[]> => {
      const answer = await authClient.listAccounts();
      if (answer.error) throw new Error(describeAuthError(answer.error));
      return answer.data.map(({ id, providerId }) => ({ id, providerId }));
    },
  });
  const methods = listed.data;
  const change = useAuthCall();

  const nameOf = (providerId: string) =>
    providerId === "credential" ? "Password" : providerId === provider?.providerId ? provider.name : providerId;
  const linked = methods?.some((method) => method.providerId === provider?.providerId) ?? false;

  async function unlink(method: Method) {
    const answer = await change.run(() => authClient.unlinkAccount({ accountId: method.id }));
    if (answer) await queryClient.invalidateQueries({ queryKey: METHODS_KEY });
  }

  function link(target: SignInProvider) {
    void change.run(() =>
      authClient.linkSocial({
        provider: target.providerId,
        callbackURL: "/dashboard/account",
        errorCallbackURL: "/sign-in",
      }),
    );
  }

  return (
    <section className="card" aria-label="Sign-in methods">
      <h2>Sign-in methods</h2>
      <div className="stack">
        <FormAlert message={error} />
        {!methods ? (
          !listed.error && <p className="muted">Loading your sign-in methods…</p>
        ) : (
          <ul className={styles.sessions} data-testid="sign-in-methods">
            {methods.map((method) => (
              <li
                key={method.id}
                className={styles.session}
                data-testid="sign-in-method"
                data-provider={method.providerId}
              >
                <strong data-testid="sign-in-method-name">{nameOf(method.providerId)}</strong>
                {methods.length > 1 && (
                  <div className="actions">
                    <button
                      type="button"
                      className="secondary"
                      disabled={change.pending}
                      onClick={() => void unlink(method)}
                      aria-label={`Remove ${nameOf(method.providerId)}`}
                    >
                      Remove
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        {methods?.length === 1 && <p className="muted">Your only sign-in method cannot be removed.</p>}
        <FormAlert message={listed.error?.message ?? change.failure?.message} />
        {provider && methods && !linked && (
          <div className="actions">
            <button type="button" disabled={change.pending} onClick={() => link(provider)}>
              {change.pending ? `Going to ${provider.name}…` : `Link ${provider.name}`}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
