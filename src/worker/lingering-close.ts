import type { ServerResponse } from "node:http";

/** How long a closing connection keeps reading what its client still sends. */
export const LINGER_MS = 2_000;

/**
 * Closes the connection after this answer without losing the answer. Node
 * destroys a `connection: close` socket once the answer is written; if the
 * client is still sending a body nobody read, the kernel then resets the
 * connection, and a reset makes the client's kernel drop the answer it had
 * received but not yet read (RFC 9112 §9.6, "lingering close"). So the write
 * side ends, what still arrives is read and discarded, and the socket goes
 * when the client closes its side or after LINGER_MS.
 */
export function closeAfterAnswer(res: ServerResponse): void {
  res.setHeader("connection", "close");
  const socket = res.socket;
  if (!socket) return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
}
