import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { expect, inject, test } from "vitest";

import { PROJECT_ROOT } from "../../tooling/build-output";

// What browsers download — the client bundle and prerendered pages — must not
// hold a secret the build could see, nor any private key.

const PRIVATE_KEY_PATTERNS = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  // A private JWK: its "d" member (EdDSA, EC and RSA keys alike).
  /"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/,
];

/** Directories whose files the web server hands to browsers as they are. */
const SERVED = [".next/static", ".next/server/app"];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every file under `dirs` (only .html/.rsc/.body under server/app) that holds a secret or key, with what was found. */
async function scan(dirs: string[], secrets: string[]): Promise<string[]> {
  const findings: string[] = [];
  for (const dir of dirs) {
    for (const file of await filesUnder(dir)) {
      if (dir.endsWith("server/app") && !/\.(html|rsc|body)$/.test(file)) continue;
      const text = await readFile(file, "latin1");
      for (const secret of secrets) if (text.includes(secret)) findings.push(`${file}: a secret value`);
      for (const pattern of PRIVATE_KEY_PATTERNS) if (pattern.test(text)) findings.push(`${file}: ${String(pattern)}`);
    }
  }
  return findings;
}

test("the built client bundle holds no secret and no private key", async () => {
  const { secret, databasePassword } = inject("canaries");
  const dirs = SERVED.map((dir) => path.join(PROJECT_ROOT, dir));
  const files = (await Promise.all(dirs.map(filesUnder))).flat();
  expect(files.filter((file) => file.endsWith(".js")).length).toBeGreaterThan(5);
  expect(await scan(dirs, [secret, databasePassword])).toEqual([]);
});

test("the scan finds a planted secret and private keys", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bundle-scan-"));
  try {
    await writeFile(path.join(dir, "leak.js"), 'const s = "planted-secret-value";');
    await writeFile(path.join(dir, "pem.js"), '"-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEI..."');
    await writeFile(
      path.join(dir, "jwk.js"),
      '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}',
    );
    await writeFile(
      path.join(dir, "clean.js"),
      'const publicKey = {"kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"};',
    );
    const findings = await scan([dir], ["planted-secret-value"]);
    expect(findings.map((finding) => path.basename(finding.split(":")[0]!)).sort()).toEqual([
      "jwk.js",
      "leak.js",
      "pem.js",
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
