import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { toNodeHandler } from "better-auth/node";

import type { Auth } from "~/server/auth";

/** The web tier's Better Auth routes (JWKS included) on a real port, for a worker to fetch keys from. */
export async function serveAuth(auth: Auth): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = toNodeHandler(auth);
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
