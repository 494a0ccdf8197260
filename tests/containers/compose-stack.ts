import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import Docker from "dockerode";

import { errorMessage } from "~/contract/error-message";
import { PROJECT_ROOT } from "../../tooling/build-output";
import { freePorts } from "../../tooling/child-service";

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

/**
 * One compose project made of docker-compose.yml, under a name of its own
 * (never the user's stack), with fresh secrets and free published ports.
 */
export class ComposeStack {
  readonly project = `tws-containers-${randomBytes(4).toString("hex")}`;
  readonly secrets = {
    BETTER_AUTH_SECRET: randomBytes(32).toString("hex"),
    POSTGRES_PASSWORD: randomBytes(16).toString("hex"),
    WORKER_DB_PASSWORD: randomBytes(16).toString("hex"),
  };
  private readonly command = composeCommand();
  // Holds the secrets: outside the checkout, removed by down().
  private readonly envDir = mkdtempSync(path.join(tmpdir(), "containers-test-"));
  private readonly envFile = path.join(this.envDir, ".env");

  private constructor(
    readonly docker: Docker,
    readonly webUrl: string,
    readonly workerUrl: string,
    webPort: number,
    workerPort: number,
  ) {
    mkdirSync(CONTAINERS_OUTPUT, { recursive: true });
    const env = {
      ...this.secrets,
      // The browser's addresses: the published ports on this host.
      BETTER_AUTH_URL: webUrl,
      NEXT_PUBLIC_WORKER_URL: workerUrl,
      WEB_PUBLISHED_PORT: String(webPort),
      WORKER_PUBLISHED_PORT: String(workerPort),
    };
    writeFileSync(
      this.envFile,
      Object.entries(env)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(""),
      { mode: 0o600 },
    );
  }

  static async create(docker: Docker): Promise<ComposeStack> {
    const [webPort, workerPort] = await freePorts(2);
    return new ComposeStack(
      docker,
      `http://localhost:${webPort}`,
      `http://localhost:${workerPort}`,
      webPort!,
      workerPort!,
    );
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

  async logs(service?: string): Promise<string> {
    return this.compose(["logs", "--no-color", ...(service ? [service] : [])]).catch((error: unknown) =>
      errorMessage(error),
    );
  }

  /**
   * Keeps every service's log in test-results/containers/, then removes
   * containers, network, volumes and the three images, which are this
   * project's alone. The build cache stays: the next run builds warm.
   */
  async down(): Promise<void> {
    writeFileSync(path.join(CONTAINERS_OUTPUT, `${this.project}.log`), await this.logs());
    try {
      await this.compose(["down", "-v", "--rmi", "local", "--remove-orphans", "--timeout", "20"]);
    } finally {
      rmSync(this.envDir, { recursive: true, force: true });
    }
  }
}
