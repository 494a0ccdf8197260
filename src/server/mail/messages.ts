import { html, joinHtml, type Html } from "./html";

/** What one mail says, in plain text and in HTML. */
export interface MailMessage {
  subject: string;
  text: string;
  html: string;
}

export const APP_NAME = "Typed Worker Stack";

/** A lifetime in words: 3600 → "1 hour", 86400 → "24 hours", 90 → "2 minutes". */
export function lifetimeInWords(seconds: number): string {
  const [amount, unit] = seconds >= 3600 ? [Math.round(seconds / 3600), "hour"] : [Math.ceil(seconds / 60), "minute"];
  return `${String(amount)} ${unit}${amount === 1 ? "" : "s"}`;
}

interface Link {
  url: string;
  /** Seconds the link stays valid. */
  lifetime: number;
}

function message(subject: string, paragraphs: string[], link?: Link & { label: string }): MailMessage {
  const lifetime = link && `The link works for ${lifetimeInWords(link.lifetime)}, once.`;
  const text = [...paragraphs, ...(link ? [`${link.label}:\n${link.url}`, lifetime!] : []), `— ${APP_NAME}`].join(
    "\n\n",
  );
  const body: Html[] = paragraphs.map((paragraph) => html`<p>${paragraph}</p>`);
  if (link) {
    body.push(html`<p><a href="${link.url}">${link.label}</a></p>`);
    body.push(html`<p>${lifetime!} If the button does not work, open this address:<br />${link.url}</p>`);
  }
  const page = html`<!doctype html>
    <html>
      <body style="font-family: sans-serif; line-height: 1.5">
        ${joinHtml(body)}
        <p>— ${APP_NAME}</p>
      </body>
    </html>`;
  return { subject, text, html: page.value };
}

const greeting = (name: string) => `Hello ${name},`;

export const messages = {
  verifyAddress({ name, url, lifetime }: { name: string } & Link): MailMessage {
    return message(
      `Verify your address for ${APP_NAME}`,
      [greeting(name), `Please confirm that this address is yours by opening the link below.`],
      { url, lifetime, label: "Verify my address" },
    );
  },

  confirmNewAddress({ name, url, lifetime }: { name: string } & Link): MailMessage {
    return message(
      `Confirm your new address for ${APP_NAME}`,
      [
        greeting(name),
        "You asked to sign in to your account with this address from now on. It takes effect when you open the link below.",
      ],
      { url, lifetime, label: "Use this address" },
    );
  },

  addressChangeRequested({ name, newEmail }: { name: string; newEmail: string }): MailMessage {
    return message(`Your ${APP_NAME} address is being changed`, [
      greeting(name),
      `Someone signed in to your account asked to change its address to ${newEmail}. The change takes effect only when the link sent to that address is opened.`,
      "If this was not you, sign in and change your password, then sign out your other sessions on the account page.",
    ]);
  },

  resetPassword({ name, url, lifetime }: { name: string } & Link): MailMessage {
    return message(
      `Reset your ${APP_NAME} password`,
      [
        greeting(name),
        "Someone asked to reset the password of your account. If it was you, open the link below and choose a new one; every other session of the account is then signed out.",
        "If it was not you, ignore this mail: your password stays as it is.",
      ],
      { url, lifetime, label: "Choose a new password" },
    );
  },

  confirmAccountDeletion({ name, url, lifetime }: { name: string } & Link): MailMessage {
    return message(
      `Confirm deleting your ${APP_NAME} account`,
      [
        greeting(name),
        "Someone signed in to your account asked to delete it. If it was you, open the link below in the browser you asked from and confirm: the account and every document in it are then deleted.",
        "If it was not you, ignore this mail and sign out your other sessions on the account page.",
      ],
      { url, lifetime, label: "Confirm the deletion" },
    );
  },

  signUpAttempt({ name, signInUrl }: { name: string; signInUrl: string }): MailMessage {
    return message(`Someone tried to sign up with your address`, [
      greeting(name),
      `Someone tried to create a ${APP_NAME} account with this address, which already has one. Nothing was changed.`,
      `If it was you, sign in at ${signInUrl} (use "Forgot password?" there if you need to).`,
    ]);
  },
};
