import { useId } from "react";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/contract/password-policy";

/**
 * A new password and its confirmation (form fields `newPassword` and
 * `confirmPassword`), with the policy said beside them; the form checks them
 * with newPasswordProblem before it sends anything.
 */
export function NewPasswordFields() {
  // The policy describes the field rather than being part of its name.
  const policy = useId();
  return (
    <>
      <label>
        New password
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          maxLength={MAX_PASSWORD_LENGTH}
          aria-describedby={policy}
        />
      </label>
      <small id={policy} className="muted small">
        At least {MIN_PASSWORD_LENGTH} characters.
      </small>
      <label>
        New password again
        <input
          name="confirmPassword"
          type="password"
          autoComplete="new-password"
          required
          maxLength={MAX_PASSWORD_LENGTH}
        />
      </label>
    </>
  );
}
