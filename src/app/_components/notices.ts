import { singleParam } from "./search-params";

/**
 * Words a page shows after another one sent the user there (?notice=KEY).
 * Only these keys: a page never shows text taken from its URL, which anyone
 * could write into a link.
 */
export const NOTICES = {
  "password-reset": "Password changed; every other session was signed out. Sign in with the new one.",
  "account-deleted": "Your account and everything in it were deleted, and you are signed out.",
} as const;

export type NoticeKey = keyof typeof NOTICES;

/** The notice a ?notice= value names, or null for anything else. */
export function noticeFor(value: string | string[] | undefined): string | null {
  const key = singleParam(value);
  return key !== undefined && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : null;
}

/** `path` with ?notice=`key`, for a redirect. */
export function withNotice(path: string, key: NoticeKey): string {
  return `${path}?notice=${key}`;
}
