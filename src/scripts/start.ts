/**
 * `npm start`: the production build of both processes, bundled by
 * `npm run build` into dist/start.mjs. Loads .env files the way `next start`
 * does, then runs the standalone web server and the bundled worker side by
 * side until Ctrl-C; a worker that dies is restarted while the web tier stays
 * up. It applies no migrations: run `npm run db:deploy` (or the compose
 * `migrate` service) when the schema changed.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { BUILD_OUTPUT } from "./build-output";
import { loadEnvFiles } from "./load-env-files";
import { supervise } from "./supervise";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const webServer = path.join(root, BUILD_OUTPUT.webServer);
const worker = path.join(root, BUILD_OUTPUT.worker);

for (const file of [webServer, worker]) {
  if (!existsSync(file)) {
    console.error(`${path.relative(root, file)} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

loadEnvFiles(root, "production");

supervise([
  {
    name: "web",
    // The standalone server listens on $PORT (default 3000) at $HOSTNAME; a
    // shell's own HOSTNAME (the machine's name) must not narrow that down.
    start: () =>
      spawn(process.execPath, [webServer], {
        stdio: "inherit",
        env: { ...process.env, NODE_ENV: "production", HOSTNAME: process.env.WEB_HOST ?? "0.0.0.0" },
      }),
  },
  {
    name: "worker",
    start: () =>
      spawn(process.execPath, ["--enable-source-maps", worker], {
        stdio: "inherit",
        env: { ...process.env, NODE_ENV: "production" },
      }),
    restart: true,
  },
]);
