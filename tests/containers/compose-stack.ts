import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import Docker from "dockerode";

import { errorMessage } from "~/contract/error-message";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePorts } from "../../tooling/child-service";
import { OCR_PROBE_FILE, offlineGuardFlags } from "../../tooling/ocr-probe-harness";
import { SmtpInbox } from "../support/smtp-inbox";

/** The compose logs of containers runs (git-ignored). */
export const CONTAINERS_OUTPUT = path.join(PROJECT_ROOT, "test-results/containers");

const run = promisify(execFile);

const ENGINE_HINT = [
  "Start one, then run the suite again:",
  "  Docker: start the daemon (DOCKER_HOST unset means /var/run/docker.sock);",
  "  podman on this project's machines: sudo bash ../shared/containers/start-engine.sh && export DOCKER_HOST=unix:///run/podman/podman.sock",
].join("\n");

/**
 * The compose command: Compose v2 (`docker compose`) where the Docker CLI has
 * it, else the standalone `docker-compose` (Debian's 1.29 drives podman).
 */
function composeCommand(): string[] {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version", "--short"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  throw new Error(
    "Neither `docker compose` nor `docker-compose` runs here (apt-get install -y docker-compose, or Docker's compose plugin)",
  );
}

/** The engine DOCKER_HOST names (dockerode reads it as the compose CLI does), or an error saying how to start one. */
export async function reachEngine(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    const where = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock (DOCKER_HOST is unset)";
    throw new Error(`No container engine answers at ${where}: ${errorMessage(error)}\n${ENGINE_HINT}`, {
      cause: error,
    });
  }
  return docker;
}

export interface ProcessInfo {
  pid: number;
  /** Real, effective, saved and filesystem user ids. */
  uids: number[];
  cmdline: string;
  environ: string;
}

// Lists every process of a container with its user ids, command line and
// environment, from /proc (slim images have no `ps`); run with the image's
// own node. A process gone between the listing and the reading is skipped.
const LIST_PROCESSES = `
const fs = require("fs");
const out = [];
for (const pid of fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name))) {
  try {
    const uids = /^Uid:\\s+(.*)$/m.exec(fs.readFileSync("/proc/" + pid + "/status", "utf8"))[1].trim().split(/\\s+/).map(Number);
    const read = (file) => fs.readFileSync("/proc/" + pid + "/" + file, "utf8").split("\\0").join(" ").trim();
    out.push({ pid: Number(pid), uids, cmdline: read("cmdline"), environ: read("environ") });
  } catch {}
}
process.stdout.write(JSON.stringify(out));
`;

// A minimal SMTP client (AUTH PLAIN, one mail) run with a container's own
// node and its SMTP_URL: whether the container reaches that server and logs
// in, whatever the app's code does with mail. argv[1]: the recipient.
const SEND_PLAIN_SMTP = `
const net = require("net");
const url = new URL(process.env.SMTP_URL);
const login = Buffer.from("\\0" + decodeURIComponent(url.username) + "\\0" + decodeURIComponent(url.password)).toString("base64");
const to = process.argv[1];
const commands = ["EHLO container", "AUTH PLAIN " + login, "MAIL FROM:<container@containers.example.com>", "RCPT TO:<" + to + ">",
  "DATA", "Subject: From the container\\r\\n\\r\\nSent with SMTP_URL.\\r\\n.", "QUIT"];
const socket = net.connect(Number(url.port || 25), url.hostname);
let connected = false;
socket.on("connect", () => { connected = true; });
socket.setTimeout(10000, () => {
  console.error((connected ? "connected to " + url.host + ", no answer" : "no connection to " + url.host) + " within 10 s");
  process.exit(1);
});
socket.on("error", (error) => { console.error(url.host + ": " + error.message); process.exit(1); });
let buffered = "";
socket.setEncoding("utf8").on("data", (chunk) => {
  buffered += chunk;
  const lines = buffered.split("\\r\\n");
  buffered = lines.pop();
  for (const line of lines) {
    if (line[3] !== " ") continue;
    if (Number(line.slice(0, 3)) >= 400) { console.error("refused: " + line); process.exit(1); }
    const next = commands.shift();
    if (next === undefined) { socket.end(); console.log("sent"); return; }
    socket.write(next + "\\r\\n");
  }
});
`;

/**
 * The name by which a container reaches this host, and any compose file that
 * makes it resolve. Measured with podman 4.3: its containers' /etc/hosts maps
 * host.containers.internal to their compose network's gateway (10.89.x.1),
 * an address of this host, so a server listening on all interfaces here
 * answers there. Docker names the host host.docker.internal, which Docker
 * Desktop resolves itself and Docker Engine on Linux resolves only when told
 * to (extra_hosts: host-gateway).
 */
async function hostAsContainersSeeIt(docker: Docker, dir: string): Promise<{ host: string; composeFiles: string[] }> {
  const { Components } = await docker.version();
  if (Components.some((component) => component.Name === "Podman Engine")) {
    return { host: "host.containers.internal", composeFiles: [] };
  }
  const file = path.join(dir, "docker-host.yml");
  writeFileSync(file, 'services:\n  web:\n    extra_hosts:\n      - "host.docker.internal:host-gateway"\n');
  return { host: "host.docker.internal", composeFiles: [file] };
}

/**
 * One compose project made of docker-compose.yml, under a name of its own
 * (never the user's stack), with fresh secrets, free published ports, and an
 * SMTP server of its own in this process, which the web container reaches
 * through SMTP_URL as it would reach a provider's.
 */
export class ComposeStack {
  readonly project = `tws-containers-${randomBytes(4).toString("hex")}`;
  readonly secrets = {
    BETTER_AUTH_SECRET: randomBytes(32).toString("hex"),
    POSTGRES_PASSWORD: randomBytes(16).toString("hex"),
    WORKER_DB_PASSWORD: randomBytes(16).toString("hex"),
  };
  /** The SMTP login SMTP_URL gives the web tier (its password is fresh for each stack). */
  static readonly SMTP_USER = "stack-mailer";
  /** The sender the web tier is told to use. */
  readonly mailFrom = "Containers Test <no-reply@containers.example.com>";
  private readonly command = composeCommand();

  private constructor(
    readonly docker: Docker,
    readonly webUrl: string,
    readonly workerUrl: string,
    webPort: number,
    workerPort: number,
    /** Where the web tier's mail arrives. */
    readonly smtp: SmtpInbox,
    /** SMTP_URL as the web container has it. */
    readonly smtpUrl: string,
    // Holds the secrets: outside the checkout, removed by down().
    private readonly envDir: string,
    private readonly composeFiles: string[],
  ) {
    mkdirSync(CONTAINERS_OUTPUT, { recursive: true });
    const env = {
      ...this.secrets,
      // The browser's addresses: the published ports on this host.
      BETTER_AUTH_URL: webUrl,
      NEXT_PUBLIC_WORKER_URL: workerUrl,
      WEB_PUBLISHED_PORT: String(webPort),
      WORKER_PUBLISHED_PORT: String(workerPort),
      SMTP_URL: smtpUrl,
      MAIL_FROM: this.mailFrom,
      // REQUIRE_EMAIL_VERIFICATION stays unset: the production default (true) is what runs here.
    };
    writeFileSync(
      this.envFile,
      Object.entries(env)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(""),
      { mode: 0o600 },
    );
  }

  private get envFile(): string {
    return path.join(this.envDir, ".env");
  }

  static async create(docker: Docker): Promise<ComposeStack> {
    const [webPort, workerPort] = await freePorts(2);
    const envDir = mkdtempSync(path.join(tmpdir(), "containers-test-"));
    try {
      const { host, composeFiles } = await hostAsContainersSeeIt(docker, envDir);
      // On every interface: the address the containers reach this host at (a
      // bridge's gateway) belongs to a network that does not exist before `up`.
      // Its login keeps anything else from sending through it.
      const password = randomBytes(16).toString("hex");
      const smtp = await SmtpInbox.start({ host: "0.0.0.0", login: { user: ComposeStack.SMTP_USER, password } });
      const smtpUrl = `smtp://${ComposeStack.SMTP_USER}:${password}@${host}:${String(smtp.port)}`;
      return new ComposeStack(
        docker,
        `http://localhost:${webPort}`,
        `http://localhost:${workerPort}`,
        webPort!,
        workerPort!,
        smtp,
        smtpUrl,
        envDir,
        composeFiles,
      );
    } catch (error) {
      rmSync(envDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `compose -p <project> --env-file <its env> <args>`; its output, or an error carrying it. */
  async compose(args: string[], timeoutMs = 600_000): Promise<string> {
    const [bin, ...pre] = this.command;
    const argv = [
      ...pre,
      "-p",
      this.project,
      "-f",
      path.join(PROJECT_ROOT, "docker-compose.yml"),
      ...this.composeFiles.flatMap((file) => ["-f", file]),
      "--env-file",
      this.envFile,
      ...args,
    ];
    try {
      const { stdout, stderr } = await run(bin!, argv, {
        cwd: PROJECT_ROOT,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout + stderr;
    } catch (error) {
      const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `${this.command.join(" ")} ${args.join(" ")} failed: ${errorMessage(error)}\n${(stdout + stderr).slice(-4000)}`,
        {
          cause: error,
        },
      );
    }
  }

  /** The container of a service, found by the labels both Compose versions set. */
  async container(service: string): Promise<Docker.ContainerInspectInfo> {
    const found = await this.docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${this.project}`, `com.docker.compose.service=${service}`] },
    });
    if (found.length !== 1)
      throw new Error(`expected one ${service} container in ${this.project}, found ${found.length}`);
    return this.docker.getContainer(found[0]!.Id).inspect();
  }

  /** Waits until the service's container reports healthy; fails at once if it stops or turns unhealthy. */
  async waitHealthy(service: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      const { State } = await this.container(service);
      last = `${State.Status}/${State.Health?.Status ?? "no health check"}`;
      if (State.Health?.Status === "healthy") return;
      if (State.Health?.Status === "unhealthy" || !State.Running) {
        throw new Error(`${service} is ${last}:\n${await this.logs(service)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    throw new Error(`${service} not healthy after ${timeoutMs / 1000} s (${last}):\n${await this.logs(service)}`);
  }

  /** Every process in the service's container, as its kernel sees it. */
  async processes(service: string): Promise<ProcessInfo[]> {
    return JSON.parse(await this.compose(["exec", "-T", service, "node", "-e", LIST_PROCESSES])) as ProcessInfo[];
  }

  /**
   * Sends one plain mail to `to` from inside the service's container, through
   * its SMTP_URL. A connection that goes unanswered is tried twice more, each
   * try printed: once, in CI, a first connection from a fresh container to
   * this host stayed unanswered for 10 s while the app's own mail a second
   * later went through.
   */
  async sendMailFrom(service: string, to: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.compose(["exec", "-T", service, "node", "-e", SEND_PLAIN_SMTP, to]);
        return;
      } catch (error) {
        if (attempt === 3 || !errorMessage(error).includes("within 10 s")) throw error;
        console.warn(
          `containers: SMTP from ${service}, try ${attempt}: ${errorMessage(error).trim().split("\n").at(-1)}`,
        );
      }
    }
  }

  /**
   * Runs tooling/ocr-probe.mjs on `png` with the service's own node, in its
   * working directory (so from the packages its image ships there), under the
   * offline guard; everything it printed. The source goes in with -e (Node
   * tells it is a module): the image holds no file of the tests'.
   */
  async ocrProbe(service: string, png: Buffer): Promise<string> {
    const source = readFileSync(OCR_PROBE_FILE, "utf8");
    return this.compose([
      "exec",
      "-T",
      service,
      "node",
      ...offlineGuardFlags(),
      "-e",
      source,
      "--",
      png.toString("base64"),
    ]);
  }

  /** The container's addresses on its networks. */
  async addressesOf(service: string): Promise<string[]> {
    const { NetworkSettings } = await this.container(service);
    return Object.values(NetworkSettings.Networks).map((network) => network.IPAddress);
  }

  async logs(service?: string): Promise<string> {
    return this.compose(["logs", "--no-color", ...(service ? [service] : [])]).catch((error: unknown) =>
      errorMessage(error),
    );
  }

  /**
   * Keeps every service's log in test-results/containers/, then removes
   * containers, network, volumes and the three images, which are this
   * project's alone, and stops the SMTP server. The build cache stays: the
   * next run builds warm.
   */
  async down(): Promise<void> {
    writeFileSync(path.join(CONTAINERS_OUTPUT, `${this.project}.log`), await this.logs());
    try {
      await this.compose(["down", "-v", "--rmi", "local", "--remove-orphans", "--timeout", "20"]);
    } finally {
      rmSync(this.envDir, { recursive: true, force: true });
      await this.smtp.stop();
    }
  }
}
