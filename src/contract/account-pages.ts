// Where the links Better Auth mails land: named by the server when it builds
// a link and by the pages when they ask for one (callbackURL, redirectTo).

/** A verification link's landing page (src/app/verify-email/page.tsx): it says, in words, how it went. */
export const VERIFIED_PAGE = "/verify-email";

/** A reset link's landing page (src/app/reset-password/page.tsx): it reads ?token= or ?error=. */
export const RESET_PASSWORD_PAGE = "/reset-password";

/** Account settings: where a change of address comes back to when its link is opened. */
export const ACCOUNT_PAGE = "/dashboard/account";
