/**
 * What a mailed link's failure code means (Better Auth adds ?error=CODE to
 * the page a verification or change-of-address link lands on), in words.
 * `lifetime` is how long such links work, in words. Codes not listed get a
 * general sentence: a page never repeats text from its URL.
 */
export function linkErrorInWords(code: string, lifetime: string): string {
  switch (code) {
    case "TOKEN_EXPIRED":
      return `This link has expired: links work for ${lifetime}. Ask for a new one.`;
    case "INVALID_TOKEN":
      return "This link does not work: it may have been cut short when it was copied, or the address it was made for has changed since.";
    case "USER_NOT_FOUND":
      return "The account this link was made for no longer exists.";
    case "INVALID_USER":
      return "This link is for another account than the one signed in here. Sign out, then open the link again.";
    default:
      return "This link could not be used. Ask for a new one.";
  }
}
