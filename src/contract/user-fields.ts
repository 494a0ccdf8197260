// Limits on what a user record holds, shared by the server (which enforces
// them on every write: src/server/user-field-limits.ts) and the sign-up form
// (which stops the user typing past them).

/** Characters in a display name. */
export const MAX_NAME_LENGTH = 100;
/** An address's longest usable length (RFC 5321: a 256-octet path less its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;
/** Characters in a profile image URL (the app shows none, but Better Auth stores what it is sent). */
export const MAX_IMAGE_URL_LENGTH = 2048;
/** Characters in the name a user gives a passkey (the settings page's list shows it). */
export const MAX_PASSKEY_NAME_LENGTH = 64;
