/** How long each mailed link works, in seconds (the mails say it in words). */
export const VERIFY_LINK_LIFETIME = 24 * 3600;
export const RESET_LINK_LIFETIME = 3600;
