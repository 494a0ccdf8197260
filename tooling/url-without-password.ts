/** A database URL fit for a log line: its password masked, whatever else it holds kept. */
export function urlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "an unparseable URL";
  }
}
