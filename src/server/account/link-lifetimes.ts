/** How long each mailed link works, in seconds (the mails say it in words). */
export const VERIFY_LINK_LIFETIME = 24 * 3600;
export const RESET_LINK_LIFETIME = 3600;

/** What Better Auth hands a callback that mails a link: whom to, the link, and the token in it. */
export interface LinkToMail {
  user: { id: string; name: string; email: string };
  url: string;
  token: string;
}
export const DELETE_LINK_LIFETIME = 3600;
