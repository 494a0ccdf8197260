// Shared by Better Auth's config (which enforces it) and the sign-up form
// (which tells the user before they hit it).
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;
