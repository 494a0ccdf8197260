/**
 * The field for a code from an authenticator app: digits (spaces allowed, as
 * apps show "123 456"), offered by the phone's one-time-code autofill.
 */
export function TotpCodeField({ label, autoFocus = false }: { label: string; autoFocus?: boolean }) {
  return (
    <label>
      {label}
      <input
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9 ]*"
        maxLength={8}
        required
        autoFocus={autoFocus}
      />
    </label>
  );
}
