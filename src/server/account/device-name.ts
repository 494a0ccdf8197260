import Bowser from "bowser";

/**
 * A session's browser and system in words, from the User-Agent it signed in
 * with: "Chrome 140 on Linux", "Safari 17 on iOS (iPhone)". Only the major
 * version: the rest changes with every update and tells a person nothing.
 * No OS version either: browsers freeze it (macOS stays 10.15.7, Windows 11
 * says NT 10.0), so it would often be wrong.
 */
export function describeDevice(userAgent: string | null): string {
  // The header is the client's to choose: a long one costs bowser's regexes
  // time and says nothing a real browser's first few hundred characters do not.
  const ua = userAgent?.slice(0, MAX_PARSED_LENGTH).trim();
  // bowser refuses an empty string.
  if (!ua) return UNKNOWN_BROWSER;
  const { browser, os, platform } = Bowser.parse(ua);
  const major = browser.version?.split(".")[0];
  const name = browser.name ? [browser.name, major].filter(Boolean).join(" ") : UNKNOWN_BROWSER;
  if (!os.name) return name;
  return `${name} on ${os.name}${platform.model ? ` (${platform.model})` : ""}`;
}

export const UNKNOWN_BROWSER = "Unknown browser";

const MAX_PARSED_LENGTH = 512;
