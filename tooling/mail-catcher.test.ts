import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";

import { startMailCatcher, type CaughtMail, type MailCatcher } from "./mail-catcher";

/** Sends one mail the way the web tier does: nodemailer, to the URL it is given as SMTP_URL. */
async function send(smtpUrl: string, mail: { to: string; subject: string; text: string; html?: string }) {
  const transport = nodemailer.createTransport(smtpUrl);
  try {
    return await transport.sendMail({ from: "Typed Worker Stack <no-reply@example.com>", ...mail });
  } finally {
    transport.close();
  }
}

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("startMailCatcher", () => {
  const started: MailCatcher[] = [];
  const dirs: string[] = [];
  const start = async (...args: Parameters<typeof startMailCatcher>) => {
    const catcher = await startMailCatcher(...args);
    started.push(catcher);
    return catcher;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((catcher) => catcher.stop()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("catches what nodemailer sends to its SMTP URL and shows it in its inbox, links intact", async () => {
    const arrived: CaughtMail[] = [];
    const catcher = await start({ onMail: (mail) => arrived.push(mail) });
    expect(catcher.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    // A link long enough that quoted-printable would fold it, with the `=` it encodes.
    const link = `http://localhost:3000/api/auth/verify-email?token=${"t".repeat(120)}&callbackURL=%2Fdashboard`;
    const info = await send(catcher.smtpUrl, {
      to: "ada@example.com",
      subject: "Verify your email",
      text: `Open ${link} to verify.`,
      html: `<p><a href="${link.replaceAll("&", "&amp;")}">Verify</a></p>`,
    });
    expect(info.accepted).toEqual(["ada@example.com"]);
    await send(catcher.smtpUrl, { to: "grace@example.com", subject: "Second", text: "Later." });

    const mails = await catcher.mails();
    expect(mails.map((mail) => mail.subject)).toEqual(["Second", "Verify your email"]);
    const verify = mails[1]!;
    expect(verify.to).toEqual([{ address: "ada@example.com", name: "" }]);
    expect(verify.from).toEqual([{ address: "no-reply@example.com", name: "Typed Worker Stack" }]);
    expect(verify.text).toContain(link);
    expect(verify.html).toContain(`href="${link.replaceAll("&", "&amp;")}"`);
    expect(arrived.map((mail) => mail.subject)).toEqual(["Verify your email", "Second"]);

    // The web inbox a person opens: the page, and one mail's own view of it.
    const page = await fetch(catcher.inboxUrl, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>[^<]*MailDev/i);
    expect(catcher.mailUrl(verify.id)).toBe(`${catcher.inboxUrl}#/email/${verify.id}`);
    const one = await fetch(new URL(`api/email/${verify.id}`, catcher.inboxUrl));
    expect(((await one.json()) as CaughtMail).subject).toBe("Verify your email");
  });

  it("stops both servers, once however often stop() is called, and leaves no temporary directory", async () => {
    const before = new Set(await tmpEntries());
    const catcher = await startMailCatcher();
    const made = (await tmpEntries()).filter((name) => !before.has(name));
    expect(made).toHaveLength(1);
    await Promise.all([catcher.stop(), catcher.stop()]);
    expect(await refusesConnections(catcher.smtpUrl)).toBe(true);
    expect(await refusesConnections(catcher.inboxUrl)).toBe(true);
    expect(existsSync(path.join(tmpdir(), made[0]!))).toBe(false);
  });

  it("keeps the mails of a mail directory across a restart, and two catchers at once get ports of their own", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mail-catcher-test-"));
    dirs.push(dir);
    const first = await start({ mailDir: dir });
    // The second finds the first's ports (or whatever else holds the defaults) taken, and takes free ones.
    const other = await start({ mailDir: path.join(dir, "other") });
    expect(new URL(other.smtpUrl).port).not.toBe(new URL(first.smtpUrl).port);
    expect(new URL(other.inboxUrl).port).not.toBe(new URL(first.inboxUrl).port);
    await send(first.smtpUrl, { to: "ada@example.com", subject: "Kept", text: "Still here after a restart." });
    expect(await other.mails()).toEqual([]);
    await first.stop();
    const again = await start({ mailDir: dir });
    expect((await again.mails()).map((mail) => mail.subject)).toEqual(["Kept"]);
  });

  it("says which port it could not take", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const taken = (holder.address() as net.AddressInfo).port;
    try {
      await expect(startMailCatcher({ smtpPort: taken })).rejects.toThrow(
        new RegExp(`^The mail catcher did not start: .*EADDRINUSE.*${String(taken)}`),
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

/** The throwaway catchers' directories in the temporary directory. */
async function tmpEntries(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith("mail-catcher-"));
}
