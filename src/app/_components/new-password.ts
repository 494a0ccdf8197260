import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/contract/password-policy";

/**
 * What is wrong with a new password and its confirmation, in words, before
 * the server is asked (it checks the length again, with the same policy);
 * null when nothing is.
 */
export function newPasswordProblem(password: string, confirmation: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Password too short: use at least ${String(MIN_PASSWORD_LENGTH)} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `Password too long: use at most ${String(MAX_PASSWORD_LENGTH)} characters.`;
  if (password !== confirmation) return "The two passwords are not the same: type the new one twice.";
  return null;
}
