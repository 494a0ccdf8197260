/** A status line: good news, or what to do next. Announced, but not as an error. */
export function Notice({ children, testId }: { children: React.ReactNode; testId?: string }) {
  return (
    <p className="notice" role="status" data-testid={testId}>
      {children}
    </p>
  );
}
