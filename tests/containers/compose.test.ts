import { randomBytes } from "node:crypto";

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import {
  callWorkerPanelsAgain,
  countNavigations,
  documentRow,
  expectWorkerPanelsShow,
  expectWorkerPanelsUnavailable,
  launchChromium,
  printPdf,
  signUpInBrowser,
  Steps,
} from "../e2e/browser";
import { NETWORK_REFUSED, probeResult, textImagePng } from "../../tooling/ocr-probe-harness";
import { linkIn } from "../support/smtp-inbox";
import { ComposeStack, reachEngine } from "./compose-stack";

// The images docker-compose.yml builds, run as it runs them: built, brought
// up in order, healthy, sending mail to an SMTP server on this host, used
// from a browser through their published ports, the worker lost and
// restarted, then everything removed (`down -v`).

// Each app service's server, as /proc lists it: Next.js retitles `node
// server.js` "next-server (v…)", cut to the length of the original.
const SERVERS = { web: /^next-server\b/, worker: /^node --enable-source-maps worker\.mjs$/ };
const APP_SERVICES = ["web", "worker"] as const;
const NODE_UID = 1000;

let stack: ComposeStack | undefined;
let browser: Browser | undefined;
let page: Page;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

beforeAll(async () => {
  stack = await ComposeStack.create(await reachEngine());
  let started = performance.now();
  await stack.compose(["build"], 40 * 60_000);
  console.log(`containers: built web, worker and migrate in ${seconds(started)} s`);
  started = performance.now();
  // Compose itself waits for postgres healthy, migrate done and web healthy
  // before it starts the worker; the worker's own health is waited for below.
  await stack.compose(["up", "-d"]);
  for (const service of ["postgres", "web", "worker"]) await stack.waitHealthy(service);
  console.log(`containers: up and healthy in ${seconds(started)} s`);
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close();
  await stack?.down();
});

test("migrate applied the migrations and exited 0, before web and worker started", async () => {
  const migrate = await stack!.container("migrate");
  expect(migrate.State.Status).toBe("exited");
  expect(migrate.State.ExitCode).toBe(0);
  for (const service of APP_SERVICES) {
    const { State } = await stack!.container(service);
    expect(Date.parse(State.StartedAt), service).toBeGreaterThan(Date.parse(migrate.State.FinishedAt));
  }
});

test("web and worker run as the unprivileged `node` user: every process in them", async () => {
  for (const service of APP_SERVICES) {
    expect((await stack!.container(service)).Config.User, service).toBe("node");
    const processes = await stack!.processes(service);
    // The init (init: true), the server, and the exec listing them.
    expect(
      processes.map((process) => process.cmdline),
      service,
    ).toContainEqual(expect.stringMatching(SERVERS[service]));
    expect(
      processes.filter((process) => process.uids.some((uid) => uid !== NODE_UID)),
      service,
    ).toEqual([]);
  }
});

test("the worker image reads an image's words with the tesseract.js, English model and sharp it ships, offline", async () => {
  const output = await stack!.ocrProbe("worker", await textImagePng("Harbour quay 1837"));
  expect(output).not.toMatch(NETWORK_REFUSED);
  const result = probeResult(output, "");
  expect(result.text.trim()).toBe("Harbour quay 1837");
  // From the node_modules the image copied from the build's dist/node_modules, beside worker.mjs.
  expect(result.loaded).toEqual({
    tesseract: "/app/node_modules/tesseract.js/src/index.js",
    sharp: "/app/node_modules/sharp/dist/index.cjs",
    langPath: "/app/node_modules/@tesseract.js-data/eng/4.0.0_best_int",
  });
});

test("the worker holds no secret: not in its configuration, not in any process's environment", async () => {
  const { BETTER_AUTH_SECRET, POSTGRES_PASSWORD, WORKER_DB_PASSWORD } = stack!.secrets;
  const worker = await stack!.container("worker");
  const workerEnv = [
    ...worker.Config.Env,
    ...(await stack!.processes("worker")).map((process) => process.environ),
  ].join("\n");
  expect(workerEnv).not.toMatch(/\b(BETTER_AUTH_SECRET|POSTGRES_PASSWORD|DATABASE_URL|SMTP_URL)=/);
  for (const secret of [BETTER_AUTH_SECRET, POSTGRES_PASSWORD]) {
    expect(workerEnv).not.toContain(secret);
    expect(JSON.stringify(worker)).not.toContain(secret);
  }
  // Its own login, and nothing else: the search above finds what is there.
  expect(workerEnv).toContain(`WORKER_DATABASE_URL=postgresql://app_worker:${WORKER_DB_PASSWORD}@postgres:5432/`);
  // The same search finds the web tier's secret where it belongs.
  const webEnv = (await stack!.processes("web")).map((process) => process.environ).join("\n");
  expect(webEnv).toContain(`BETTER_AUTH_SECRET=${BETTER_AUTH_SECRET}`);
});

test("the web container reaches the SMTP server on the host at its SMTP_URL, and logs in with it", async () => {
  const to = `plumbing-${randomBytes(4).toString("hex")}@example.com`;
  await stack!.sendMailFrom("web", to);
  const mail = await stack!.smtp.waitFor(to, /./, { timeoutMs: 5_000 });
  expect(mail.subject).toBe("From the container");
  expect(mail.user).toBe(ComposeStack.SMTP_USER);
  // From the container's own address on the compose network, not from this host.
  expect(await stack!.addressesOf("web")).toContain(mail.remoteAddress);
});

test("sign-up mails a verification link through SMTP_URL; until it is opened sign-in is refused, after it works", async () => {
  const { webUrl, smtp, mailFrom } = stack!;
  const user = {
    name: "Mail Container",
    email: `mail-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };
  // Better Auth's endpoints, as the sign-up and sign-in pages call them.
  const post = (path: string, body: object) =>
    fetch(`${webUrl}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: webUrl },
      body: JSON.stringify(body),
    });
  const signIn = () => post("/sign-in/email", { email: user.email, password: user.password });

  const signUp = await post("/sign-up/email", user);
  expect(signUp.status, await signUp.clone().text()).toBe(200);

  const mail = await smtp.waitFor(user.email, /Verify your address/, { timeoutMs: 60_000 });
  expect(mail.user).toBe(ComposeStack.SMTP_USER);
  expect(await stack!.addressesOf("web")).toContain(mail.remoteAddress);
  const [, name, address] = /^(.*) <(.*)>$/.exec(mailFrom)!;
  expect(mail.parsed.from?.value).toEqual([{ name, address }]);
  const link = linkIn(mail, `${webUrl}/`);

  // REQUIRE_EMAIL_VERIFICATION is unset, so the container's default holds: true.
  expect((await signIn()).status).toBe(403);
  // Opened as a mail client's browser would; where it then leads is the app's page.
  const opened = await fetch(link, { redirect: "manual" });
  expect(opened.status, await opened.clone().text()).toBeLessThan(400);
  const signedIn = await signIn();
  expect(signedIn.status, await signedIn.clone().text()).toBe(200);
  expect(((await signedIn.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true);
});

test("in a browser: sign up, both worker panels, the worker container restarted mid-flow, the dashboard recovers, a document ingested", async () => {
  const steps = new Steps(page, "containers-dashboard");
  const { webUrl, workerUrl } = stack!;
  const user = {
    name: "Ada Container",
    email: `ada-${randomBytes(4).toString("hex")}@example.com`,
    password: "correct horse battery",
  };
  const card = (id: string) => page.getByTestId(id);
  let navigations = () => 0;

  await steps.run("sign up", async () => {
    // The stack leaves REQUIRE_EMAIL_VERIFICATION at production's default: on.
    await signUpInBrowser(page, webUrl, user, {
      verificationLink: async (email) =>
        linkIn(await stack!.smtp.waitFor(email, /Verify your address/, { timeoutMs: 60_000 }), `${webUrl}/`),
    });
    navigations = countNavigations(page);
  });

  await steps.run("both worker panels show the user", async () => {
    await expect.poll(() => card("user-email").textContent()).toBe(user.email);
    await expectWorkerPanelsShow(page, user.email);
  });

  await steps.run("worker container stopped: both panels say so, the page still works", async () => {
    await stack!.compose(["stop", "worker"]);
    await callWorkerPanelsAgain(page);
    await expectWorkerPanelsUnavailable(page);
    expect(await card("direct-error").textContent()).toContain(workerUrl);
    expect(await card("user-email").textContent()).toBe(user.email);
  });

  await steps.run("worker container started again: healthy, both panels recover without a reload", async () => {
    await stack!.compose(["start", "worker"]);
    await stack!.waitHealthy("worker");
    await expectWorkerPanelsShow(page, user.email, 30_000);
    expect(navigations()).toBe(0);
  });

  await steps.run(
    "a PDF uploaded in the browser is ingested by the worker's image (bundled pdf.js, app_worker's grants) and found",
    async () => {
      const name = "container-notes.pdf";
      // A context of its own: the page's is the browser's default, which opens no second page.
      const printing = await browser!.newContext();
      const buffer = await printPdf(
        printing,
        "<h1>Harbour notes</h1><p>The marmalade lighthouse stands by the quay.</p>",
      ).finally(() => printing.close());
      await page.getByTestId("upload-input").setInputFiles([{ name, mimeType: "application/pdf", buffer }]);
      await expect.poll(() => documentRow(page, name).getAttribute("data-status"), { timeout: 90_000 }).toBe("ready");
      await page.getByTestId("search-input").fill("marmalade lighthouse");
      await expect
        .poll(() => page.getByTestId("search-results").locator("mark").allTextContents())
        .toEqual(expect.arrayContaining(["marmalade", "lighthouse"]));
      expect(navigations()).toBe(0);
    },
  );

  await steps.run("sign out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
  });

  await steps.finish();
});
