/**
 * Preloaded with `node --import` (which also runs it in every worker thread):
 * any network connection or fetch fails, and is named on stderr as
 * "NETWORK <what>", so a test sees a download however the code handles the
 * error.
 */
import net from "node:net";

function refuse(what) {
  process.stderr.write(`NETWORK ${what}\n`);
  throw new Error(`offline-guard: no network allowed (${what})`);
}

net.Socket.prototype.connect = function connect(...args) {
  refuse(`connect ${JSON.stringify(args[0])}`);
};
globalThis.fetch = (input) => refuse(`fetch ${String(input instanceof Request ? input.url : input)}`);
