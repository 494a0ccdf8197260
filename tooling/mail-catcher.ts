/**
 * A mail catcher for development: a real SMTP server that keeps every mail it
 * is sent instead of delivering it, and a web inbox to read them (maildev,
 * run in this process). `npm run dev` starts one when SMTP_URL is unset, so
 * verification and password-reset mails can be opened without an SMTP account.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { errorMessage } from "~/contract/error-message";
import { preferredOrFreePort } from "./free-port";

/** Where `npm run dev` keeps the caught mails (relative to the repo root), beside its database. */
export const DEV_MAIL_DIR = ".data/mail";

/** Where a persistent catcher listens unless told otherwise (maildev's own defaults), or free ports if taken. */
const DEFAULT_SMTP_PORT = 1025;
const DEFAULT_WEB_PORT = 1080;
/** Enough to scroll back through a day's work; older mails and their files are dropped. */
const DEV_MAX_MAILS = 500;

// Only this machine reaches it: the inbox has no login.
const HOST = "127.0.0.1";

export interface MailCatcherOptions {
  /**
   * Where the mails are kept, so the inbox survives a restart. Without one
   * they live in a temporary directory, removed by stop().
   */
  mailDir?: string;
  /** Ports to listen on; default: DEFAULT_SMTP_PORT and DEFAULT_WEB_PORT (or free ones if taken) with a mailDir, free ones without. */
  smtpPort?: number;
  webPort?: number;
  /** Called with each mail as it arrives. */
  onMail?: (mail: CaughtMail) => void;
}

/** A mail as the inbox's REST API gives it (the fields this project reads). */
export interface CaughtMail {
  id: string;
  subject: string;
  from: { address: string; name: string }[];
  to: { address: string; name: string }[];
  text?: string;
  /** Sanitised by maildev (scripts removed); links are kept. */
  html?: string;
}

export interface MailCatcher {
  /** What to give the sender as SMTP_URL: plain SMTP, no login. */
  smtpUrl: string;
  /** The web inbox, for a browser. */
  inboxUrl: string;
  /** The inbox's link to one mail. */
  mailUrl(id: string): string;
  /** Every mail caught so far, newest first, read over HTTP as the inbox reads them. */
  mails(): Promise<CaughtMail[]>;
  /** Stops both servers; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const throwaway = options.mailDir === undefined;
  const mailDir =
    options.mailDir === undefined ? await mkdtemp(path.join(tmpdir(), "mail-catcher-")) : path.resolve(options.mailDir);
  const removeThrowaway = () => (throwaway ? rm(mailDir, { recursive: true, force: true }) : Promise.resolve());
  // Imported on first use: it takes most of a second, which a start with SMTP_URL set need not wait for.
  const { MailDev } = await import("maildev");
  const maildev = new MailDev({
    smtp: options.smtpPort ?? (await preferredOrFreePort(throwaway ? 0 : DEFAULT_SMTP_PORT, HOST)),
    web: options.webPort ?? (await preferredOrFreePort(throwaway ? 0 : DEFAULT_WEB_PORT, HOST)),
    ip: HOST,
    webIp: HOST,
    mailDirectory: mailDir,
    maxEmails: throwaway ? 0 : DEV_MAX_MAILS,
    silent: true,
  });
  let servers: Awaited<ReturnType<typeof maildev.start>>;
  // Its web server announces itself on console.info whatever `silent` says;
  // the caller prints the addresses it wants, in its own words.
  const info = console.info;
  console.info = () => undefined;
  try {
    servers = await maildev.start();
  } catch (error) {
    await removeThrowaway();
    throw new Error(`The mail catcher did not start: ${errorMessage(error)}`, { cause: error });
  } finally {
    console.info = info;
  }

  const smtpUrl = `smtp://${HOST}:${String(servers.smtp.getAddress().port)}`;
  const inboxUrl = `http://${HOST}:${String(servers.api!.getPort())}/`;
  if (options.onMail) {
    const onMail = options.onMail;
    servers.smtp.on("new", (mail: CaughtMail) => onMail(mail));
  }
  let stopped: Promise<void> | undefined;
  return {
    smtpUrl,
    inboxUrl,
    mailUrl: (id) => `${inboxUrl}#/email/${encodeURIComponent(id)}`,
    async mails() {
      const response = await fetch(new URL("api/email", inboxUrl));
      if (!response.ok) throw new Error(`The mail catcher's inbox answered ${String(response.status)}`);
      // The API lists them in the order they came.
      return ((await response.json()) as CaughtMail[]).reverse();
    },
    stop: () =>
      (stopped ??= (async () => {
        await maildev.stop();
        await removeThrowaway();
      })()),
  };
}
