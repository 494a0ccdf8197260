/**
 * nginx as the load balancer in front of several web and worker processes,
 * for the e2e suite: deploy/nginx.conf.template rendered for processes on
 * this machine, run by any user with everything it writes (pid, logs,
 * temporary files) in one directory of the caller's.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { PROJECT_ROOT } from "./build-output";
import { ChildService } from "./child-service";

// Debian's nginx (nginx-light is enough); the suite downloads nothing.
const NGINX = process.env.NGINX_PATH ?? "/usr/sbin/nginx";

/** The template a deployment renders too. */
export const NGINX_TEMPLATE = path.join(PROJECT_ROOT, "deploy/nginx.conf.template");

/** One request as nginx logged it. */
export interface AccessLogEntry {
  /** Seconds since the epoch, millisecond resolution. */
  time: number;
  /** The port it came in on: which tier's address. */
  port: number;
  status: number;
  /** Every process it was passed to, in order ("" when none). */
  upstreams: string[];
  /** What each of them answered ("502" for one that refused the connection). */
  upstreamStatuses: string[];
  method: string;
  uri: string;
}

export interface Balancer {
  service: ChildService;
  webUrl: string;
  workerUrl: string;
  /** Every request so far. */
  accessLog(): Promise<AccessLogEntry[]>;
}

/**
 * nginx listening on 127.0.0.1:`webPort` and :`workerPort`, passing to the
 * `web` and `workers` addresses (host:port). Ready once the web address
 * answers /api/healthz, so start the web processes first. `dir`, emptied
 * first, holds its configuration, pid, temporary files and access log
 * (which so starts empty); its messages go to `logFile`.
 */
export async function nginxBalancer(options: {
  web: string[];
  workers: string[];
  webPort: number;
  workerPort: number;
  dir: string;
  logFile: string;
}): Promise<Balancer> {
  const { web, workers, webPort, workerPort, dir, logFile } = options;
  // Left from an earlier run, its access log would hold requests accessLog() must not return.
  await rm(dir, { recursive: true, force: true });
  if (!existsSync(NGINX)) {
    throw new Error(
      `${NGINX} is missing: install Debian's nginx (\`apt-get install -y nginx-light\`) or set NGINX_PATH`,
    );
  }
  await mkdir(path.join(dir, "temp"), { recursive: true });
  // Run as root, nginx's own processes become "nobody", who must reach the temp directories.
  await chmod(dir, 0o755);
  const serverLines = (addresses: string[]) => addresses.map((address) => `server ${address};`).join(" ");
  const site = renderTemplate(await readFile(NGINX_TEMPLATE, "utf8"), {
    WEB_LISTEN: `127.0.0.1:${webPort}`,
    WORKER_LISTEN: `127.0.0.1:${workerPort}`,
    WEB_SERVERS: serverLines(web),
    WORKER_SERVERS: serverLines(workers),
  });
  const sitePath = path.join(dir, "site.conf");
  const accessLogPath = path.join(dir, "access.log");
  await writeFile(sitePath, site);
  // What a distribution's nginx.conf provides around a conf.d file: here
  // with every path inside `dir`, one process (round-robin in one order),
  // and an access log that says which process answered each request.
  const main = `
worker_processes 1;
pid ${path.join(dir, "nginx.pid")};
error_log stderr warn;
events { worker_connections 1024; }
http {
    client_body_temp_path ${path.join(dir, "temp/client_body")};
    proxy_temp_path ${path.join(dir, "temp/proxy")};
    fastcgi_temp_path ${path.join(dir, "temp/fastcgi")};
    uwsgi_temp_path ${path.join(dir, "temp/uwsgi")};
    scgi_temp_path ${path.join(dir, "temp/scgi")};
    log_format upstreams escape=json '{"time":$msec,"port":$server_port,"status":$status,"upstream":"$upstream_addr","upstreamStatus":"$upstream_status","method":"$request_method","uri":"$uri"}';
    access_log ${accessLogPath} upstreams;
    include ${sitePath};
}
`;
  const configPath = path.join(dir, "nginx.conf");
  await writeFile(configPath, main);
  const webUrl = `http://127.0.0.1:${webPort}`;
  const service = new ChildService({
    name: "nginx",
    command: NGINX,
    // -e: its messages before the configuration is read go there too, not to /var/log/nginx.
    args: ["-p", dir, "-c", configPath, "-e", "stderr", "-g", "daemon off;"],
    env: {},
    readyUrl: `${webUrl}/api/healthz`,
    logFile,
  });
  return {
    service,
    webUrl,
    workerUrl: `http://127.0.0.1:${workerPort}`,
    accessLog: async () => parseAccessLog(await readFile(accessLogPath, "utf8").catch(() => "")),
  };
}

/** A `${NAME}` placeholder of the template, NAME captured. */
export const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * `template` with each `${NAME}` replaced by `values[NAME]`, as
 * `envsubst '${NAME}…'` does; throws on a placeholder without a value or a
 * value without a placeholder. nginx's own `$variables` are left alone.
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const unused = new Set(Object.keys(values));
  const rendered = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in the template`);
    unused.delete(name);
    return value;
  });
  if (unused.size > 0) throw new Error(`the template has no placeholder for ${[...unused].join(", ")}`);
  return rendered;
}

function parseAccessLog(text: string): AccessLogEntry[] {
  // "a, b" when a second process was tried; "a : b" across an internal redirect.
  const list = (value: string) => (value ? value.split(/\s*,\s*|\s+:\s+/) : []);
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const { upstream, upstreamStatus, ...rest } = JSON.parse(line) as Omit<
        AccessLogEntry,
        "upstreams" | "upstreamStatuses"
      > & {
        upstream: string;
        upstreamStatus: string;
      };
      return { ...rest, upstreams: list(upstream), upstreamStatuses: list(upstreamStatus) };
    });
}
