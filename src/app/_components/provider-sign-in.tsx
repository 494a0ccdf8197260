"use client";

import { authClient } from "~/app/auth-client";
import { FormAlert } from "./form-parts";
import { useAuthCall } from "./use-auth-call";

/** The OpenID Connect provider the server offers (OIDC_*), as the pages need it: nothing secret. */
export interface SignInProvider {
  providerId: string;
  /** OIDC_NAME: "Sign in with {name}". */
  name: string;
}

/**
 * "Sign in with …": Better Auth answers with the provider's authorization
 * URL and its client sends the browser there (a navigation, not a form
 * post: the page's CSP form-action 'self' is not involved). The provider
 * sends it back to /api/auth/callback/…, which signs in and goes on to the
 * dashboard, or to the sign-in page with ?error=CODE.
 */
export function ProviderSignIn({ provider, mode }: { provider: SignInProvider; mode: "sign-in" | "sign-up" }) {
  const { pending, failure, run } = useAuthCall();
  return (
    <div className="stack" data-testid="provider-sign-in">
      <p className="muted">or</p>
      <button
        type="button"
        className="secondary"
        disabled={pending}
        onClick={() =>
          void run(() =>
            authClient.signIn.social({
              provider: provider.providerId,
              callbackURL: "/dashboard",
              errorCallbackURL: "/sign-in",
            }),
          )
        }
      >
        {pending ? `Going to ${provider.name}…` : `${mode === "sign-in" ? "Sign in" : "Sign up"} with ${provider.name}`}
      </button>
      <FormAlert message={failure?.message} />
    </div>
  );
}
