/**
 * A JWKS endpoint for the worker's tests, on a free loopback port: the key
 * list can be changed between calls, and every fetch is counted.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { JWK } from "jose";

export async function serveJwks(keys: JWK[]) {
  const state = {
    keys,
    /** What the endpoint answers with; anything but 200 is a failed fetch. */
    status: 200,
    fetches: 0,
  };
  const server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(state.status, { "content-type": "application/json" }).end(JSON.stringify({ keys: state.keys }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return Object.assign(state, {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
