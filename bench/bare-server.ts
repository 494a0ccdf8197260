/**
 * The ceiling `npm run bench` measures the worker against: node:http and
 * nothing else, answering every request with the body the worker gives for
 * `whoami`. Started by bench.ts as its own process, like the worker.
 *
 *   BENCH_PORT=4100 BENCH_BARE_BODY='{"result":…}' node --import tsx bench/bare-server.ts
 */
import { createServer } from "node:http";

const port = Number(process.env.BENCH_PORT);
const payload: unknown = JSON.parse(process.env.BENCH_BARE_BODY ?? "null");

createServer((_req, res) => {
  // Serialised per request, as the worker does with its result.
  const body = JSON.stringify(payload);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}).listen(port, "127.0.0.1");

process.on("SIGTERM", () => process.exit(0));
