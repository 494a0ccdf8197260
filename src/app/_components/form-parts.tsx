/** The pieces every form of the app ends with: its error in words, and its submit button. */

/** The server's or the form's own message, announced to screen readers; nothing when there is none. */
export function FormAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** A submit button that says what it is doing while the request runs, and cannot be pressed twice. */
export function SubmitButton({
  pending,
  busy,
  className,
  children,
}: {
  pending: boolean;
  /** Its label while pending, e.g. "Saving…". */
  busy: string;
  className?: string;
  children: React.ReactNode;
}) {
  return (
    <button type="submit" className={className} disabled={pending}>
      {pending ? busy : children}
    </button>
  );
}
