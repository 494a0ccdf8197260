/**
 * The raw value of cookie `name` in a Cookie header, exactly as sent, when it
 * is there once; undefined when it is missing or sent more than once. It is
 * the session cache's key: the header is split on ";" and each name trimmed
 * as Better Auth's cookie parser (better-call) does, so the one value found
 * here is the one Better Auth verified when it read the session. A repeated
 * name (parsers disagree on which one counts) is left to Better Auth.
 */
export function singleCookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const chunk of header.split(";")) {
    const eq = chunk.indexOf("=");
    if (eq === -1 || chunk.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = chunk.slice(eq + 1).trim();
  }
  return found === "" ? undefined : found;
}
