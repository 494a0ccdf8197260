/**
 * What a failed provider sign-in or link means, in words. Better Auth sends
 * the browser back from its OAuth callback with ?error=CODE (to the sign-in
 * page, onAPIError.errorURL in src/server/auth.ts); the page shows these
 * words, never text from its URL. `provider` is the button's name (OIDC_NAME).
 */
export function signInErrorInWords(code: string, provider: string): string {
  switch (code) {
    case "account_not_linked":
      return `An account with the address ${provider} gave us already exists, and ${provider} is not one of its sign-in methods. Sign in with your password, then link ${provider} under Account settings → Sign-in methods.`;
    case "unable_to_link_account":
      return `${provider} could not be linked: it has not confirmed that the address is yours (or the session that started the link has ended). Confirm the address with ${provider}, then try again.`;
    case "email_does_not_match":
      return `${provider} signed you in with another address than this account's. Only an identity with the same address can be linked.`;
    case "account_already_linked_to_different_user":
      return `That ${provider} identity is already a sign-in method of another account.`;
    case "email_not_verified_by_provider":
      return `${provider} has not confirmed your address, and this app only opens accounts for confirmed addresses. Confirm it with ${provider}, or sign up with a password.`;
    case "email_not_found":
      return `${provider} did not tell us your address, which an account needs. Allow it to share your address, then try again.`;
    case "access_denied":
      return `Sign-in with ${provider} was cancelled.`;
    case "state_mismatch":
    case "state_not_found":
    case "state_invalid":
      return "This sign-in could not be matched to one started in this browser (it may have expired, been used already, or started in another window). Start again.";
    case "invalid_code":
    case "unable_to_get_user_info":
    case "issuer_mismatch":
    case "nonce_binding_missing":
      return `${provider}'s answer could not be verified, so you were not signed in. Start again; if it keeps failing, sign in with your password.`;
    default:
      return `Sign-in with ${provider} did not work. Start again, or sign in with your password.`;
  }
}
